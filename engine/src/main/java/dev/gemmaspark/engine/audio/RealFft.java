package dev.gemmaspark.engine.audio;

/** Magnitude spectrum of a real frame: an iterative radix-2 complex FFT in double precision. */
final class RealFft {
    private final int n;
    private final int[] bitReversed;
    private final double[] cos;
    private final double[] sin;

    RealFft(int n) {
        if (Integer.bitCount(n) != 1 || n < 2) {
            throw new IllegalArgumentException("FFT size must be a power of two, got " + n);
        }
        this.n = n;
        bitReversed = new int[n];
        int bits = Integer.numberOfTrailingZeros(n);
        for (int i = 0; i < n; i++) {
            bitReversed[i] = Integer.reverse(i) >>> (32 - bits);
        }
        cos = new double[n / 2];
        sin = new double[n / 2];
        for (int i = 0; i < n / 2; i++) {
            cos[i] = Math.cos(2 * Math.PI * i / n);
            sin[i] = -Math.sin(2 * Math.PI * i / n);
        }
    }

    /**
     * {@code mag[k] = |sum_t x[t] e^(-2 pi i k t / n)|} for k = 0..n/2, with {@code x} zero-padded to n;
     * {@code re} and {@code im} are n-long scratch arrays.
     */
    void magnitudes(float[] x, int len, double[] re, double[] im, double[] mag) {
        for (int i = 0; i < n; i++) {
            int j = bitReversed[i];
            re[i] = j < len ? x[j] : 0;
            im[i] = 0;
        }
        for (int size = 2; size <= n; size <<= 1) {
            int half = size >>> 1;
            int step = n / size;
            for (int start = 0; start < n; start += size) {
                for (int k = 0; k < half; k++) {
                    double wr = cos[k * step];
                    double wi = sin[k * step];
                    int a = start + k;
                    int b = a + half;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
        for (int k = 0; k <= n / 2; k++) {
            mag[k] = Math.hypot(re[k], im[k]);
        }
    }
}
