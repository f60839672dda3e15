package dev.gemmaspark.engine.audio;

/**
 * Triangular mel filters on the FFT bins, stored sparsely (each filter touches a few dozen bins at most).
 * Built in double exactly as HF's {@code create_fb_matrix} builds them.
 */
final class MelFilterBank {
    private final int[] firstBin;
    private final double[][] weights;

    private MelFilterBank(int[] firstBin, double[][] weights) {
        this.firstBin = firstBin;
        this.weights = weights;
    }

    /** HTK mel scale, {@code nMels + 2} points evenly spaced in mel from fMin to fMax, no area normalisation. */
    static MelFilterBank htk(int nFreqs, double fMin, double fMax, int nMels, int sampleRate, int fftLength) {
        double[][] fb = dense(nFreqs, fMin, fMax, nMels, sampleRate, fftLength);
        int[] first = new int[nMels];
        double[][] w = new double[nMels][];
        for (int m = 0; m < nMels; m++) {
            int lo = 0;
            while (lo < nFreqs && fb[lo][m] == 0) {
                lo++;
            }
            int hi = nFreqs;
            while (hi > lo && fb[hi - 1][m] == 0) {
                hi--;
            }
            first[m] = lo;
            w[m] = new double[hi - lo];
            for (int k = lo; k < hi; k++) {
                w[m][k - lo] = fb[k][m];
            }
        }
        return new MelFilterBank(first, w);
    }

    /** fb[k][m], the weight of FFT bin k in filter m. */
    static double[][] dense(int nFreqs, double fMin, double fMax, int nMels, int sampleRate, int fftLength) {
        double binHz = (double) sampleRate / fftLength;
        double melMin = 2595.0 * Math.log10(1.0 + fMin / 700.0);
        double melMax = 2595.0 * Math.log10(1.0 + fMax / 700.0);
        int points = nMels + 2;
        double step = (melMax - melMin) / (points - 1);
        double[] hz = new double[points];
        for (int i = 0; i < points; i++) {
            // NumPy's linspace: i * step + start, the last point set to stop exactly.
            double mel = i == points - 1 ? melMax : i * step + melMin;
            hz[i] = 700.0 * (Math.pow(10, mel / 2595.0) - 1.0);
        }
        double[][] fb = new double[nFreqs][nMels];
        for (int k = 0; k < nFreqs; k++) {
            double f = (float) (k * binHz);
            for (int m = 0; m < nMels; m++) {
                double down = (-1.0 * (hz[m] - f)) / (hz[m + 1] - hz[m]);
                double up = (hz[m + 2] - f) / (hz[m + 2] - hz[m + 1]);
                fb[k][m] = Math.max(0.0, Math.min(down, up));
            }
        }
        return fb;
    }

    /** {@code mel[m] = sum_k mag[k] * fb[k][m]}. */
    void apply(double[] mag, double[] mel) {
        for (int m = 0; m < weights.length; m++) {
            double[] w = weights[m];
            int lo = firstBin[m];
            double sum = 0;
            for (int i = 0; i < w.length; i++) {
                sum += mag[lo + i] * w[i];
            }
            mel[m] = sum;
        }
    }
}
