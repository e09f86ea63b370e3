// Opens TIFF files with ImageJ 1.x (headless) and prints what it sees: dimensions c z t, bit
// depth, calibration, the pixel value at (x, y) of the last plane and, for a composite image,
// each channel's LUT color (its brightest entry, as RRGGBB) and display range, and the labels of
// the first plane of each channel. Used by the tests
// as an independent reader of NAME_L<k>.tif.
import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.process.LUT;

public class ImageJProbe {
    static String channels(ImagePlus imp) {
        if (!imp.isComposite())
            return "";
        StringBuilder sb = new StringBuilder(" luts=");
        CompositeImage ci = (CompositeImage) imp;
        ci.updateImage(); /* applies the file's LUTs and ranges, as showing it would */
        LUT[] luts = ci.getLuts();
        for (int c = 0; c < luts.length; c++) {
            int rgb = luts[c].getRGB(255) & 0xffffff;
            sb.append(c > 0 ? "," : "").append(String.format("%06X", rgb));
            sb.append(":").append(luts[c].min).append(":").append(luts[c].max);
        }
        return sb.toString();
    }

    /* The labels of the first C planes (the channels' names), '|'-separated; "-" for none. */
    static String labels(ImagePlus imp) {
        int c = imp.getNChannels();
        StringBuilder sb = new StringBuilder(" labels=");
        for (int i = 1; i <= c; i++) {
            String l = imp.getStack().getSliceLabel(i);
            sb.append(i > 1 ? "|" : "").append(l == null || l.isEmpty() ? "-" : l.replace(' ', '_'));
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        for (String path : args) {
            ImagePlus imp = IJ.openImage(path);
            if (imp == null) {
                System.out.println("null " + path);
                continue;
            }
            int[] d = imp.getDimensions();
            imp.setPosition(d[2], d[3], d[4]);
            int x = imp.getWidth() - 1, y = imp.getHeight() - 1;
            float v = imp.getProcessor().getPixelValue(x, y);
            System.out.println("ok " + path + " w=" + d[0] + " h=" + d[1] + " c=" + d[2] + " z="
                    + d[3] + " t=" + d[4] + " bits=" + imp.getBitDepth() + " pw="
                    + imp.getCalibration().pixelWidth + " unit=" + imp.getCalibration().getUnit()
                    + " last=" + v + channels(imp) + labels(imp));
        }
    }
}
