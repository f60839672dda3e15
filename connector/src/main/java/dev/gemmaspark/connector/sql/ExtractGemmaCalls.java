package dev.gemmaspark.connector.sql;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.types.Metadata;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The optimizer rule (run once, before cost-based optimization, after filters and column pruning have been
 * pushed down) that takes gemma calls out of projections and filters: each call becomes a column computed
 * by a {@link GemmaEval} below, over only the columns still needed plus the call's arguments; the
 * projection or filter refers to that column. Calls with the same function and arguments are computed
 * once. Nested calls ({@code gemma_generate(gemma_summarize(x))}) give one node per level, innermost first.
 * The output above keeps its attribute ids; a plan without gemma calls in projections or filters (such as
 * the rule's own output) is returned unchanged, which makes the rule idempotent.
 */
public final class ExtractGemmaCalls extends Rule<LogicalPlan> {
    private final SparkSession session;

    public ExtractGemmaCalls(SparkSession session) {
        this.session = session;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        return rewrite(plan);
    }

    private LogicalPlan rewrite(LogicalPlan plan) {
        LogicalPlan node = plan.mapChildren(this::rewrite);
        if (node instanceof Project p && Scala.<Expression>list(p.projectList()).stream().anyMatch(ExtractGemmaCalls::hasCall)) {
            return extractFromProject(p);
        }
        if (node instanceof Filter f && hasCall(f.condition())) {
            return extractFromFilter(f);
        }
        return node;
    }

    private LogicalPlan extractFromProject(Project project) {
        List<Expression> list = Scala.<Expression>list(project.projectList());
        Set<ExprId> needed = new HashSet<>();
        list.forEach(e -> referencedIds(e, needed));
        LogicalPlan child = pruned(project.child(), needed);
        Resolver resolver = new Resolver();
        while (list.stream().anyMatch(ExtractGemmaCalls::hasCall)) {
            Map<CallKey, Attribute> level = resolver.innermost(list);
            child = resolver.node(level, child);
            list = list.stream().map(e -> replace(e, level)).toList();
        }
        List<NamedExpression> named = list.stream().map(e -> (NamedExpression) e).toList();
        return new Project(Scala.seq(named), child);
    }

    private LogicalPlan extractFromFilter(Filter filter) {
        Expression condition = filter.condition();
        LogicalPlan child = filter.child();
        Resolver resolver = new Resolver();
        while (hasCall(condition)) {
            Map<CallKey, Attribute> level = resolver.innermost(List.of(condition));
            child = resolver.node(level, child);
            condition = replace(condition, level);
        }
        List<NamedExpression> output = Scala.<Attribute>list(filter.child().output()).stream()
                .map(a -> (NamedExpression) a).toList();
        return new Project(Scala.seq(output), new Filter(condition, child));
    }

    /** {@code child} restricted to the columns in {@code needed} or read by a call of {@code calls}. */
    private static LogicalPlan pruned(LogicalPlan child, Set<ExprId> needed) {
        List<Attribute> output = Scala.list(child.output());
        List<NamedExpression> kept = output.stream().filter(a -> needed.contains(a.exprId()))
                .map(a -> (NamedExpression) a).toList();
        return kept.size() == output.size() ? child : new Project(Scala.seq(kept), child);
    }

    /** Adds the ids of the attributes {@code e} reads, calls' arguments included. */
    private static void referencedIds(Expression e, Set<ExprId> into) {
        CollectionConverters.asJava(e.references().toSeq()).forEach(a -> into.add(a.exprId()));
    }

    static boolean hasCall(Expression e) {
        return e.exists(GemmaCalls::isCall);
    }

    /** The calls in {@code e} whose arguments hold no call, in pre-order. */
    private static List<Expression> innermostCalls(Expression e, List<Expression> into) {
        if (GemmaCalls.isCall(e) && Scala.<Expression>list(e.children()).stream().noneMatch(ExtractGemmaCalls::hasCall)) {
            into.add(e);
        } else {
            Scala.<Expression>list(e.children()).forEach(c -> innermostCalls(c, into));
        }
        return into;
    }

    private static Expression replace(Expression e, Map<CallKey, Attribute> computed) {
        if (GemmaCalls.isCall(e)) {
            Attribute a = computed.get(CallKey.of(e));
            if (a != null) {
                return a;
            }
        }
        return e.mapChildren(c -> replace(c, computed));
    }

    /** Resolves calls against the session's configuration and names their result columns. */
    private final class Resolver {
        private final Map<String, String> conf = CollectionConverters.asJava(session.conf().getAll());
        private final Map<CallKey, Expression> resolvedCalls = new LinkedHashMap<>();

        /** The calls of {@code exprs} without calls in their arguments, each with a new result attribute. */
        Map<CallKey, Attribute> innermost(List<Expression> exprs) {
            Map<CallKey, Attribute> level = new LinkedHashMap<>();
            for (Expression root : exprs) {
                for (Expression call : innermostCalls(root, new ArrayList<>())) {
                    CallKey key = CallKey.of(call);
                    if (!level.containsKey(key)) {
                        GemmaFunction resolved = GemmaCalls.function(call).resolve(conf);
                        resolvedCalls.put(key, new GemmaCall(resolved, call.children()));
                        level.put(key, new AttributeReference(resolved.name(), resolved.resultType(), true,
                                Metadata.empty(), NamedExpression.newExprId(), Scala.seq(List.of())));
                    }
                }
            }
            return level;
        }

        /** The node computing the calls of {@code level} over {@code child}. */
        GemmaEval node(Map<CallKey, Attribute> level, LogicalPlan child) {
            List<Expression> calls = level.keySet().stream().map(resolvedCalls::get).toList();
            return new GemmaEval(Scala.seq(calls), Scala.seq(new ArrayList<>(level.values())), child);
        }
    }
}
