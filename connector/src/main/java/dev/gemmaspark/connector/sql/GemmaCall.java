package dev.gemmaspark.connector.sql;

import java.io.Serial;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.catalyst.expressions.ApplyFunctionExpression;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Unevaluable;
import org.apache.spark.sql.connector.catalog.functions.ScalarFunction;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * A call of a gemma function: an {@code ApplyFunctionExpression} over a {@link GemmaFunction}, named like the
 * function in plans and column names ({@code gemma_generate(prompt)}). It is marked {@link Unevaluable} so
 * that no optimizer rule evaluates it on the driver (ConvertToLocalRelation would, over an inline table);
 * evaluating it row by row reaches {@link GemmaFunction#produceResult}, which explains why it may not.
 */
public final class GemmaCall extends ApplyFunctionExpression implements Unevaluable {
    @Serial
    private static final long serialVersionUID = 1L;


    public GemmaCall(ScalarFunction<?> function, Seq<Expression> children) {
        super(function, children);
    }

    public GemmaFunction gemmaFunction() {
        return (GemmaFunction) function();
    }

    @Override
    public String prettyName() {
        return function().name();
    }

    @Override
    public String sql() {
        return render(Scala.<Expression>list(children()).stream().map(Expression::sql).toList());
    }

    @Override
    public String toString() {
        return render(Scala.<Expression>list(children()).stream().map(Expression::toString).toList());
    }

    private String render(List<String> args) {
        var options = gemmaFunction().callOptions();
        String map = options.isEmpty() ? "" : ", map(" + options.entrySet().stream()
                .map(e -> e.getKey() + ", " + e.getValue()).collect(Collectors.joining(", ")) + ")";
        return prettyName() + "(" + String.join(", ", args) + map + ")";
    }

    @Override
    public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
        return new GemmaCall(function(), newChildren);
    }
}
