/* version: the omefs release number. */
#ifndef OME_VERSION_H
#define OME_VERSION_H
#define OME_VERSION "0.1.0"
#endif
