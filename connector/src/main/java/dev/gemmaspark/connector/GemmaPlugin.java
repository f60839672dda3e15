package dev.gemmaspark.connector;

import dev.gemmaspark.connector.runtime.ModelRegistry;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Closes the models an executor loaded when the executor stops ({@code spark.plugins=dev.gemmaspark.connector.GemmaPlugin}),
 * logging the batch sizes each model ran. In local mode the driver's JVM is the executor.
 */
public final class GemmaPlugin implements SparkPlugin {

    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void shutdown() {
                ModelRegistry.closeAll();
            }
        };
    }
}
