package dev.gemmaspark.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on this machine: a Master and two Workers, each its own JVM started from
 * the Maven test classpath (a SPARK_HOME whose {@code jars/} links that classpath's jars), and a job
 * submitted through {@code org.apache.spark.deploy.SparkSubmit} in a fourth JVM with the connector and
 * engine as its application jar. Every row must be answered as the engine answers it, and each of the two
 * executors' logs must show exactly one model load. Everything listens on 127.0.0.1 only.
 */
class StandaloneClusterTest {
    private static final long STARTUP_SECONDS = 120;
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stopCluster() throws InterruptedException {
        for (Process p : processes.reversed()) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void eachExecutorLoadsTheModelOnceAndEveryRowIsAnswered() throws Exception {
        Path sparkHome = sparkHome();
        Path appJar = applicationJar();
        int masterPort = freePort();
        String master = "spark://127.0.0.1:" + masterPort;

        Path masterLog = dir.resolve("master.log");
        start(sparkHome, masterLog, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(freePort()));
        awaitLine(masterLog, "I have been elected leader");
        List<Path> workDirs = new ArrayList<>();
        for (int w = 1; w <= 2; w++) {
            Path workDir = Files.createDirectories(dir.resolve("worker" + w));
            workDirs.add(workDir);
            Path log = dir.resolve("worker" + w + ".log");
            start(sparkHome, log, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "1g", "--work-dir", workDir.toString(), "--webui-port", String.valueOf(freePort()), master);
            awaitLine(log, "Successfully registered with master");
        }

        Path output = dir.resolve("answers");
        Path submitLog = dir.resolve("submit.log");
        String flags = System.getProperty("gemma.jvm.flags");
        Process submit = start(sparkHome, submitLog, "org.apache.spark.deploy.SparkSubmit",
                "--master", master, "--deploy-mode", "client", "--class", ClusterJob.class.getName(),
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
                "--conf", "spark.executor.memory=1g", "--conf", "spark.executor.extraJavaOptions=" + flags,
                "--conf", "spark.sql.extensions=" + GemmaSparkExtensions.class.getName(),
                "--conf", "spark.plugins=" + GemmaPlugin.class.getName(),
                "--conf", "spark.gemma.model=" + TestSpark.MODEL, "--conf", "spark.gemma.maxTokens=" + Reference.MAX_TOKENS,
                "--conf", "spark.gemma.contextLength=512", "--conf", "spark.gemma.batchSize=2",
                appJar.toString(), output.toUri().toString());
        assertTrue(submit.waitFor(300, TimeUnit.SECONDS), "job did not finish:\n" + tail(submitLog));
        assertEquals(0, submit.exitValue(), "job failed:\n" + tail(submitLog));

        Map<Long, String> answers = answers(output);
        assertEquals(8, answers.size());
        answers.forEach((id, answer) -> assertEquals(Reference.generate("Count to " + id), answer, "row " + id));

        Map<String, Integer> loadsByExecutor = new TreeMap<>();
        for (Path workDir : workDirs) {
            try (Stream<Path> logs = Files.find(workDir, 3, (p, a) -> p.getFileName().toString().equals("stderr"))) {
                for (Path log : logs.toList()) {
                    int loads = (int) Files.readAllLines(log).stream().filter(l -> l.contains("Loaded Gemma weights")).count();
                    loadsByExecutor.put(workDir.relativize(log.getParent()).toString(), loads);
                }
            }
        }
        assertEquals(2, loadsByExecutor.size(), "executors: " + loadsByExecutor);
        loadsByExecutor.forEach((executor, loads) -> assertEquals(1, loads, executor + " loaded the model " + loads + " times"));
    }

    /** A SPARK_HOME of links to the jars of the test classpath, as spark-class and the Worker expect it. */
    private Path sparkHome() throws IOException {
        Path jars = Files.createDirectories(dir.resolve("spark-home/jars"));
        for (String entry : testClassPath()) {
            Path p = Paths.get(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(jars.resolve(p.getFileName()))) {
                Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
            }
        }
        return jars.getParent();
    }

    private static List<String> testClassPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.asList(cp.split(File.pathSeparator));
    }

    /** The class directories of the test classpath (engine, connector, these tests) as one application jar. */
    private Path applicationJar() throws IOException {
        Path jar = dir.resolve("gemma-cluster-test-app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            List<String> seen = new ArrayList<>();
            for (String entry : testClassPath()) {
                Path root = Paths.get(entry);
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        String name = root.relativize(f).toString().replace(File.separatorChar, '/');
                        if (name.startsWith("golden/") || name.equals("log4j2.properties") || seen.contains(name)) {
                            continue;
                        }
                        seen.add(name);
                        out.putNextEntry(new JarEntry(name));
                        Files.copy(f, out);
                        out.closeEntry();
                    }
                }
            }
        }
        return jar;
    }

    private Process start(Path sparkHome, Path log, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("gemma.jvm.flags").trim().split("\\s+")));
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(sparkHome.resolve("jars") + File.separator + "*");
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private void awaitLine(Path log, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            if (processes.getLast().isAlive()) {
                Thread.sleep(250);
            } else {
                break;
            }
        }
        throw new AssertionError("'" + text + "' did not appear in " + log.getFileName() + ":\n" + tail(log));
    }

    private static Map<Long, String> answers(Path output) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<Long, String> answers = new TreeMap<>();
        try (Stream<Path> parts = Files.list(output)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                for (String line : Files.readAllLines(part)) {
                    JsonNode row = json.readTree(line);
                    answers.put(row.get("id").asLong(), row.path("answer").asText(null));
                }
            }
        }
        return answers;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
