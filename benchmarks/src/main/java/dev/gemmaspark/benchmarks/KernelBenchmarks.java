package dev.gemmaspark.benchmarks;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.io.IOException;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The main class of {@code benchmarks.jar}: runs the JMH benchmarks with JMH's own command-line options (e.g.
 * {@code -f 1 -wi 2 -i 3 -p threads=2 -p type=Q4_0,Q4_K}), then turns each matmul's mean time into GB/s of
 * weights read (the measure of decode, n = 1) and GFLOP/s (the measure of prefill, n = 32) in a Markdown table.
 * The mode is always average time in milliseconds, whatever {@code -bm} and {@code -tu} say, so that the
 * conversion is right. {@code -h}, {@code -l} and the other listing options are JMH's.
 */
public final class KernelBenchmarks {
    private KernelBenchmarks() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("benchmarks: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (cmd.shouldHelp() || cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers()
                || cmd.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        Options options = new OptionsBuilder().parent(cmd).mode(Mode.AverageTime).timeUnit(TimeUnit.MILLISECONDS)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.print(table(results));
    }

    /** A Markdown table, one row per benchmark run. */
    static String table(Collection<RunResult> results) {
        StringBuilder b = new StringBuilder();
        b.append("| method | type | n | threads | ms per call | GB/s of weights | GFLOP/s |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            String method = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
            GGMLType type = GGMLType.valueOf(p.getParam("type"));
            int n = Integer.parseInt(p.getParam("n"));
            Result<?> time = r.getPrimaryResult();
            double seconds = time.getScore() / 1e3;
            // JMH gives no error bound for fewer than three iterations
            String error = Double.isNaN(time.getScoreError()) ? ""
                    : String.format(Locale.ROOT, " ± %.3f", time.getScoreError());
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %.3f%s | %.2f | %.2f |%n", method, type, n,
                    p.getParam("threads"), time.getScore(), error,
                    MatmulBenchmark.weightBytes(type) / seconds / 1e9, MatmulBenchmark.flops(n) / seconds / 1e9));
        }
        return b.toString();
    }
}
