import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Draws the sample images of examples/data/images (run by make-samples.sh): simple scenes a captioning model can
 * describe, 160 x 120 pixels, written as 8-bit RGB PNGs. {@code java MakeSamples.java <folder>}.
 */
public class MakeSamples {
    private static final int W = 160;
    private static final int H = 120;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        write(dir.resolve("sunset.png"), MakeSamples::sunset);
        write(dir.resolve("traffic-light.png"), MakeSamples::trafficLight);
        write(dir.resolve("house.png"), MakeSamples::house);
        write(dir.resolve("chessboard.png"), MakeSamples::chessboard);
    }

    private interface Scene {
        void draw(Graphics2D g);
    }

    private static void write(Path file, Scene scene) throws IOException {
        BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        scene.draw(g);
        g.dispose();
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
        System.out.println(file);
    }

    /** An orange sky fading to purple, a low sun and a dark sea. */
    private static void sunset(Graphics2D g) {
        for (int y = 0; y < 80; y++) {
            float t = y / 79f;
            g.setColor(new Color(Math.round(250 - 120 * t), Math.round(150 - 110 * t), Math.round(60 + 70 * t)));
            g.drawLine(0, y, W - 1, y);
        }
        g.setColor(new Color(255, 220, 90));
        g.fillOval(60, 50, 40, 40);
        g.setColor(new Color(20, 40, 90));
        g.fillRect(0, 80, W, H - 80);
    }

    /** A traffic light on a pole against a blue sky, its green lamp lit. */
    private static void trafficLight(Graphics2D g) {
        g.setColor(new Color(135, 190, 235));
        g.fillRect(0, 0, W, H);
        g.setColor(new Color(90, 90, 90));
        g.fillRect(76, 70, 8, 50);
        g.setColor(new Color(30, 30, 30));
        g.fillRect(62, 8, 36, 72);
        g.setColor(new Color(90, 20, 20));
        g.fillOval(70, 12, 20, 20);
        g.setColor(new Color(90, 70, 10));
        g.fillOval(70, 34, 20, 20);
        g.setColor(new Color(40, 230, 70));
        g.fillOval(70, 56, 20, 20);
    }

    /** A red-roofed house with a door and two windows on grass, under a blue sky. */
    private static void house(Graphics2D g) {
        g.setColor(new Color(140, 200, 240));
        g.fillRect(0, 0, W, 90);
        g.setColor(new Color(70, 160, 60));
        g.fillRect(0, 90, W, H - 90);
        g.setColor(new Color(235, 225, 200));
        g.fillRect(45, 50, 70, 50);
        g.setColor(new Color(190, 40, 40));
        g.fillPolygon(new Polygon(new int[] {38, 80, 122}, new int[] {50, 18, 50}, 3));
        g.setColor(new Color(110, 70, 40));
        g.fillRect(72, 70, 16, 30);
        g.setColor(new Color(120, 170, 220));
        g.fillRect(52, 60, 14, 12);
        g.fillRect(94, 60, 14, 12);
    }

    /** An 8 x 8 board of black and white squares. */
    private static void chessboard(Graphics2D g) {
        g.setColor(new Color(120, 80, 40));
        g.fillRect(0, 0, W, H);
        int size = 13;
        int x0 = (W - 8 * size) / 2;
        int y0 = (H - 8 * size) / 2;
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < 8; c++) {
                g.setColor((r + c) % 2 == 0 ? new Color(240, 235, 220) : new Color(30, 30, 30));
                g.fillRect(x0 + c * size, y0 + r * size, size, size);
            }
        }
    }
}
