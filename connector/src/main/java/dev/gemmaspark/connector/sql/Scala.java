package dev.gemmaspark.connector.sql;

import java.util.List;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Conversions between Java lists and the Scala sequences of Catalyst's API. */
final class Scala {
    private Scala() {}

    static <T> Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toSeq();
    }

    @SuppressWarnings("unchecked")
    static AttributeSet attributeSet(scala.collection.Iterable<? extends Expression> expressions) {
        return AttributeSet.apply((scala.collection.Iterable<Expression>) expressions);
    }

    /** The elements of a Scala collection; the caller names their (super)type. */
    @SuppressWarnings("unchecked")
    static <T> List<T> list(scala.collection.Iterable<?> seq) {
        return (List<T>) List.copyOf(CollectionConverters.asJavaCollection(seq));
    }

    /** {@code first} followed by {@code second}. */
    static <T> Seq<T> concat(scala.collection.Iterable<?> first, scala.collection.Iterable<?> second) {
        List<T> all = new java.util.ArrayList<>(Scala.<T>list(first));
        all.addAll(Scala.<T>list(second));
        return seq(all);
    }
}
