// Opens TIFF files with ImageJ 1.x (headless) and prints what it sees: dimensions c z t, bit
// depth, calibration and the pixel value at (x, y) of the last plane. Used by the tests as an
// independent reader of NAME_L<k>.tif.
import ij.IJ;
import ij.ImagePlus;

public class ImageJProbe {
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
                    + " last=" + v);
        }
    }
}
