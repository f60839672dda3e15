/**
 * The batched SQL functions: the marker functions the extension registers, the optimizer rule that takes
 * their calls out of projections and filters into a {@link dev.gemmaspark.connector.sql.GemmaEval} node,
 * the physical operator that feeds batches of rows to the executor's engine and its SQL metrics, and the
 * result types.
 */
package dev.gemmaspark.connector.sql;
