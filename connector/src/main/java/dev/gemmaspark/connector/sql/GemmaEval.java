package dev.gemmaspark.connector.sql;

import java.io.Serial;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * The logical node that computes gemma calls over its child's rows: its output is the child's columns
 * followed by one column per call ({@code resultAttrs}). {@link ExtractGemmaCalls} creates it; it plays the
 * role that {@code ArrowEvalPython} plays for Python UDFs. Written in Java as a plain {@code LogicalPlan}
 * whose product elements are its constructor arguments, so Catalyst's tree transformations can copy it.
 */
// Catalyst trees and their Scala collections are serializable at run time, not by declared type
@SuppressWarnings("serial")
public final class GemmaEval extends LogicalPlan {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Seq<Expression> calls;
    private final Seq<Attribute> resultAttrs;
    private final LogicalPlan child;
    private final Seq<LogicalPlan> children;

    /**
     * @param calls       the gemma calls, resolved (their functions carry settings)
     * @param resultAttrs one new attribute per call, in the order of the calls
     * @param child       the rows the calls run over
     */
    public GemmaEval(Seq<Expression> calls, Seq<Attribute> resultAttrs, LogicalPlan child) {
        this.calls = calls;
        this.resultAttrs = resultAttrs;
        this.child = child;
        this.children = Scala.seq(List.of(child));
    }

    public Seq<Expression> calls() {
        return calls;
    }

    public Seq<Attribute> resultAttrs() {
        return resultAttrs;
    }

    public LogicalPlan child() {
        return child;
    }

    @Override
    public Seq<Attribute> output() {
        return Scala.concat(child.output(), resultAttrs);
    }

    @Override
    public AttributeSet producedAttributes() {
        return Scala.attributeSet(resultAttrs);
    }

    @Override
    public Seq<LogicalPlan> children() {
        return children;
    }

    @Override
    public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> newChildren) {
        return new GemmaEval(calls, resultAttrs, newChildren.head());
    }

    @Override
    public int productArity() {
        return 3;
    }

    @Override
    public Object productElement(int n) {
        return switch (n) {
            case 0 -> calls;
            case 1 -> resultAttrs;
            case 2 -> child;
            default -> throw new IndexOutOfBoundsException(n);
        };
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof GemmaEval;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GemmaEval g && calls.equals(g.calls) && resultAttrs.equals(g.resultAttrs)
                && child.equals(g.child);
    }

    @Override
    public int hashCode() {
        return Objects.hash(calls, resultAttrs, child);
    }
}
