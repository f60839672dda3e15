package dev.gemmaspark.engine.audio.decode;

/**
 * Band-limited sample-rate conversion by a rational factor L/M (the rates divided by their gcd): each output
 * sample is a Kaiser-windowed sinc interpolation of the input at its exact position, the sinc cut below the
 * lower of the two Nyquist frequencies. For the usual rates the L phases of the filter are tabulated once.
 *
 * <p>The filter spans {@value #ZERO_CROSSINGS} zero crossings on each side with a Kaiser window of beta
 * {@value #KAISER_BETA} (stop band about 86 dB down) and puts its cut-off at {@value #ROLLOFF} of the lower
 * Nyquist frequency: resampling to 16 kHz keeps the band up to about 7.2 kHz flat (the log-mel filters end at
 * 7.6 kHz) and removes what would fold back from above 8 kHz.
 */
public final class Resampler {
    private static final int ZERO_CROSSINGS = 64;
    private static final double KAISER_BETA = 8.6;
    private static final double ROLLOFF = 0.95;
    /** More phases than this are computed per output sample instead of tabulated (odd rates such as 16001 Hz). */
    private static final int MAX_TABLE_PHASES = 4096;
    private static final double I0_BETA = besselI0(KAISER_BETA);

    private final long up;
    private final long down;
    private final double cutoff;
    private final int taps;
    /** Taps of phase p at [p * taps, (p + 1) * taps), or null when computed per sample. */
    private final float[] table;

    private Resampler(int from, int to) {
        long g = gcd(from, to);
        up = to / g;
        down = from / g;
        double ratio = Math.min(1.0, (double) up / down);
        cutoff = ROLLOFF * ratio;
        taps = 2 * (int) Math.ceil(ZERO_CROSSINGS / ratio);
        if (up <= MAX_TABLE_PHASES) {
            table = new float[(int) up * taps];
            for (int p = 0; p < up; p++) {
                phase(p, table, p * taps);
            }
        } else {
            table = null;
        }
    }

    /** {@code in} at {@code from} Hz, converted to {@code to} Hz; the result has ceil(n * to / from) samples. */
    public static float[] resample(float[] in, int from, int to) {
        if (from < 1 || to < 1) {
            throw new IllegalArgumentException("sample rates must be positive, got " + from + " and " + to);
        }
        if (from == to) {
            return in.clone();
        }
        return new Resampler(from, to).apply(in);
    }

    private float[] apply(float[] in) {
        long n = (in.length * up + down - 1) / down;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("resampled audio too long: " + n + " samples");
        }
        float[] out = new float[(int) n];
        float[] scratch = table == null ? new float[taps] : null;
        int half = taps / 2;
        for (int j = 0; j < out.length; j++) {
            long t = j * down;
            int pos = (int) (t / up);
            int phase = (int) (t % up);
            float[] h;
            int hOff;
            if (table != null) {
                h = table;
                hOff = phase * taps;
            } else {
                phase(phase, scratch, 0);
                h = scratch;
                hOff = 0;
            }
            // Tap k multiplies input sample pos - half + 1 + k.
            int first = pos - half + 1;
            int k0 = Math.max(0, -first);
            int k1 = Math.min(taps, in.length - first);
            double acc = 0;
            for (int k = k0; k < k1; k++) {
                acc += h[hOff + k] * in[first + k];
            }
            out[j] = (float) acc;
        }
        return out;
    }

    /**
     * The taps of one phase: the output sits {@code p / up} of an input step after input sample {@code pos}; tap k
     * weighs the input sample at distance {@code p/up - (k - half + 1)}. The taps are scaled to sum to 1 so that
     * a constant signal stays exactly constant.
     */
    private void phase(int p, float[] dst, int off) {
        int half = taps / 2;
        double frac = (double) p / up;
        double sum = 0;
        for (int k = 0; k < taps; k++) {
            double d = frac - (k - half + 1);
            double r = d / half;
            double h = Math.abs(r) >= 1 ? 0 : cutoff * sinc(cutoff * d) * kaiser(r);
            dst[off + k] = (float) h;
            sum += h;
        }
        float norm = (float) (1 / sum);
        for (int k = 0; k < taps; k++) {
            dst[off + k] *= norm;
        }
    }

    private static double sinc(double x) {
        return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    }

    private static double kaiser(double r) {
        return besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / I0_BETA;
    }

    /** The modified Bessel function of the first kind, order 0, by its power series. */
    private static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 100 && term > 1e-17 * sum; k++) {
            term *= q / ((double) k * k);
            sum += term;
        }
        return sum;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
