package dev.gemmaspark.connector.sql;

import org.apache.spark.sql.catalyst.expressions.Expression;

/**
 * What makes two gemma calls the same computation: the same function and options over semantically
 * equal arguments. Arguments that are not deterministic ({@code rand()}) make every call distinct.
 */
record CallKey(GemmaFunction function, Object arguments) {

    static CallKey of(Expression call) {
        boolean deterministic = Scala.<Expression>list(call.children()).stream().allMatch(Expression::deterministic);
        Object args = deterministic ? call.children().map(Expression::canonicalized) : new Identity(call);
        return new CallKey(GemmaCalls.function(call), args);
    }

    /** Equal only to itself wrapping the same call object. */
    private record Identity(Expression call) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && i.call == call;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(call);
        }
    }
}
