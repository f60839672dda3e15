package dev.gemmaspark.engine.audio.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ResamplerTest {
    private static float[] tone(int rate, double hz, double seconds, double amplitude) {
        float[] x = new float[(int) Math.round(rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return x;
    }

    /** Largest difference from the exact tone at the output rate, away from the edges (the filter's half-width). */
    private static double maxErrorVsExact(float[] y, int rate, double hz, double amplitude) {
        double max = 0;
        for (int i = 500; i < y.length - 500; i++) {
            max = Math.max(max, Math.abs(y[i] - amplitude * Math.sin(2 * Math.PI * hz * i / rate)));
        }
        return max;
    }

    @Test
    void passBandTonesAreReproducedAtTheNewRate() {
        int[][] rates = {{44100, 16000}, {48000, 16000}, {22050, 16000}, {8000, 16000}, {11025, 16000}, {16001, 16000}};
        for (int[] r : rates) {
            for (double hz : new double[] {440, 1000, 3000.5}) {
                if (hz > 0.4 * r[0]) {
                    continue;
                }
                float[] y = Resampler.resample(tone(r[0], hz, 1.0, 0.5), r[0], r[1]);
                assertEquals(Math.ceil(r[0] * (1.0 * r[1] / r[0])), y.length, 1.0);
                double err = maxErrorVsExact(y, r[1], hz, 0.5);
                assertTrue(err < 5e-4, r[0] + " -> " + r[1] + " at " + hz + " Hz: error " + err);
            }
        }
    }

    @Test
    void toneNearTheTopOfTheMelRangeKeepsItsLevel() {
        float[] y = Resampler.resample(tone(44100, 7000, 1.0, 0.5), 44100, 16000);
        assertTrue(maxErrorVsExact(y, 16000, 7000, 0.5) < 0.5 * 0.01);
    }

    @Test
    void frequenciesAboveTheNewNyquistAreRemovedNotFolded() {
        for (double hz : new double[] {8400, 10000, 15000}) {
            float[] y = Resampler.resample(tone(48000, hz, 1.0, 0.5), 48000, 16000);
            double rms = 0;
            for (int i = 500; i < y.length - 500; i++) {
                rms += y[i] * y[i];
            }
            rms = Math.sqrt(rms / (y.length - 1000));
            assertTrue(rms < 0.5 * 1e-3, hz + " Hz leaks with rms " + rms);
        }
    }

    @Test
    void constantStaysConstantAndSameRateIsACopy() {
        float[] ones = new float[4410];
        java.util.Arrays.fill(ones, 0.25f);
        float[] y = Resampler.resample(ones, 44100, 16000);
        for (int i = 200; i < y.length - 200; i++) {
            assertEquals(0.25f, y[i], 1e-6f);
        }
        float[] x = tone(16000, 440, 0.1, 0.3);
        assertArrayEquals(x, Resampler.resample(x, 16000, 16000));
    }

    @Test
    void aStreamFedInBlocksGivesTheWholeArrayResultBitForBit() {
        Random random = new Random(7);
        // 16001 Hz computes its taps per output sample instead of from a table.
        int[][] rates = {{44100, 16000}, {48000, 16000}, {8000, 16000}, {16001, 16000}, {384000, 16000}, {1000, 16000}};
        for (int[] r : rates) {
            float[] x = new float[r[0] / 4 + 37];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            Resampler.Stream stream = new Resampler.Stream(r[0], r[1], r[0] % 3 == 0 ? x.length : -1, "t");
            for (int i = 0; i < x.length; ) {
                int n = Math.min(x.length - i, random.nextInt(3) == 0 ? 1 : random.nextInt(5000));
                stream.push(x, i, n);
                i += n;
            }
            assertArrayEquals(Resampler.resample(x, r[0], r[1]), stream.finish(), r[0] + " Hz");
        }
    }

    @Test
    void anInterruptStopsALongResamplingWithTheFlagStillSet() throws InterruptedException {
        // 20 s at 384 kHz: 3072 taps per output sample, 2 s of work when not interrupted.
        float[] x = new float[384_000 * 20];
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            started.countDown();
            try {
                Resampler.resample(x, 384_000, 16_000);
            } catch (Throwable t) {
                thrown.set(t);
            }
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        worker.start();
        started.await();
        worker.interrupt();
        worker.join();
        assertTrue(thrown.get() instanceof CancellationException, String.valueOf(thrown.get()));
        assertTrue(stillInterrupted.get());

        HostileAudioTest.assertCancelled(() -> Resampler.resample(x, 384_000, 16_000));
    }
}
