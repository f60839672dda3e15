# Sourced by the run-*.sh scripts: builds the examples and runs an example class on local[*] with the JVM flags
# the engine and Spark need (examples/target/jvm.flags) and Spark's jars on the class path.
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

build_examples() {
  mvn -q -DskipTests -pl examples -am package
}

# run_example [-D<property>=<value>]... <class in dev.gemmaspark.examples> [arguments]...
run_example() {
  local props=()
  while [[ "${1:-}" == -D* ]]; do props+=("$1"); shift; done
  local class="$1"; shift
  # shellcheck disable=SC2046
  "$JAVA_HOME/bin/java" $(cat examples/target/jvm.flags) "${props[@]}" \
    -cp "examples/target/classes:$(cat examples/target/local-classpath.txt)" "dev.gemmaspark.examples.$class" "$@"
}
