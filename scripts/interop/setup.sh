#!/usr/bin/env bash
# Installs what the interoperability suite (npm run test:interop) runs: Kafka clients that nobody here wrote, and
# Apache Kafka's own broker as the reference the suite is checked against. Every version is pinned here or in a
# committed lock file. Everything lands in one cache directory outside the repository (KAFKALITE_INTEROP_HOME,
# default ~/.cache/kafkalite-interop), except kcat, a Debian package. A second run finds it all in place and
# installs nothing: each step checks for a stamp naming its pinned versions.
#
#   kcat 1.7.1 (librdkafka 2.0.2)            Debian package
#   confluent-kafka (librdkafka in its wheel) PyPI, in a virtualenv, with its [avro,schemaregistry] extras
#                                             (test/interop/python/requirements-schema-registry.txt)
#   kafka-python                              PyPI, same virtualenv
#   kafkajs, @platformatic/kafka              npm, from test/interop/node/package-lock.json
#   @confluentinc/schemaregistry              npm, the same lock file (Confluent's schema registry client)
#   org.apache.kafka:kafka-clients            Maven Central, test/interop/java built into a jar
#   Apache Kafka's broker (KRaft)             Maven Central jars, scripts/interop/kafka-broker/pom.xml
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HOME_DIR="${KAFKALITE_INTEROP_HOME:-$HOME/.cache/kafkalite-interop}"
CONFLUENT_KAFKA_VERSION=2.16.1
KAFKA_PYTHON_VERSION=2.0.2
KAFKA_VERSION=4.4.0
M2="$HOME_DIR/m2"
MVN_LOG="$HOME_DIR/maven.log"

started=$(date +%s)
mkdir -p "$HOME_DIR"
say() { printf 'interop setup: %s\n' "$*"; }
# Maven's output goes to a log, shown only when a build fails.
mvn_quiet() {
  mvn -B -Dmaven.repo.local="$M2" "$@" >"$MVN_LOG" 2>&1 || { tail -50 "$MVN_LOG" >&2; exit 1; }
}

# A stamp file holds the inputs of a step; the step runs again only when they change.
fresh() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# kcat: librdkafka's command-line client (Debian 12 builds it on librdkafka 2.0.2).
if ! command -v kcat >/dev/null 2>&1; then
  sudo=''
  if [ "$(id -u)" != 0 ]; then sudo='sudo'; fi
  say 'installing kcat (Debian package)'
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kcat >/dev/null
fi
command -v kcat >/dev/null 2>&1 || { echo 'interop setup: kcat could not be installed' >&2; exit 1; }

# Python clients in a virtualenv of their own.
PY="$HOME_DIR/python"
# confluent-kafka with its schema-registry client and Avro serde: the extras' packages pinned in a requirements file.
PY_REQUIREMENTS="$ROOT/test/interop/python/requirements-schema-registry.txt"
py_inputs="confluent-kafka[avro,schemaregistry]==$CONFLUENT_KAFKA_VERSION kafka-python==$KAFKA_PYTHON_VERSION $(sha256sum <"$PY_REQUIREMENTS" | cut -c1-16) $(python3 --version 2>&1)"
if ! fresh "$PY/.stamp" "$py_inputs"; then
  say "installing $py_inputs (PyPI)"
  rm -rf "$PY"
  python3 -m venv "$PY"
  "$PY/bin/pip" install -q --disable-pip-version-check --only-binary confluent-kafka -r "$PY_REQUIREMENTS" \
    "confluent-kafka[avro,schemaregistry]==$CONFLUENT_KAFKA_VERSION" "kafka-python==$KAFKA_PYTHON_VERSION"
  echo "$py_inputs" >"$PY/.stamp"
fi

# Node clients from their own lock file, installed in the cache; test/interop/node/node_modules links to them so
# the drivers there resolve them the ordinary way.
NODE_DIR="$HOME_DIR/node"
node_inputs="$(cat "$ROOT/test/interop/node/package.json" "$ROOT/test/interop/node/package-lock.json" | sha256sum) $(node --version)"
if ! fresh "$NODE_DIR/.stamp" "$node_inputs"; then
  say 'installing kafkajs, @platformatic/kafka and @confluentinc/schemaregistry (npm ci)'
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$ROOT/test/interop/node/package.json" "$ROOT/test/interop/node/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --silent --no-audit --no-fund --ignore-scripts)
  echo "$node_inputs" >"$NODE_DIR/.stamp"
fi
link="$ROOT/test/interop/node/node_modules"
if [ "$(readlink "$link" 2>/dev/null)" != "$NODE_DIR/node_modules" ]; then
  rm -rf "$link"
  ln -s "$NODE_DIR/node_modules" "$link"
fi

# The Java driver: kafka-clients and the driver's classes, built once per change of its sources.
JAVA_DIR="$HOME_DIR/java"
java_inputs="$(cat "$ROOT/test/interop/java/pom.xml" "$ROOT"/test/interop/java/src/main/java/*.java "$ROOT"/test/interop/java/src/main/resources/* | sha256sum) $(java -version 2>&1 | head -1)"
if ! fresh "$JAVA_DIR/.stamp" "$java_inputs"; then
  say 'building the Java driver on org.apache.kafka:kafka-clients (Maven)'
  rm -rf "$JAVA_DIR"
  mvn_quiet -f "$ROOT/test/interop/java/pom.xml" -Dinterop.build="$JAVA_DIR/build" package \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$JAVA_DIR/libs"
  cp "$JAVA_DIR/build/interop-driver.jar" "$JAVA_DIR/libs/"
  echo "$java_inputs" >"$JAVA_DIR/.stamp"
fi

# Apache Kafka's broker: its jars and their dependencies, no code of ours.
KAFKA_DIR="$HOME_DIR/kafka-$KAFKA_VERSION"
kafka_inputs="$(sha256sum <"$ROOT/scripts/interop/kafka-broker/pom.xml") $KAFKA_VERSION"
if ! fresh "$KAFKA_DIR/.stamp" "$kafka_inputs"; then
  say "fetching Apache Kafka $KAFKA_VERSION's broker (Maven Central)"
  rm -rf "$KAFKA_DIR"
  mvn_quiet -f "$ROOT/scripts/interop/kafka-broker/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_DIR/libs"
  echo "$kafka_inputs" >"$KAFKA_DIR/.stamp"
fi

# Apache Kafka's own message specs, inside its kafka-clients jars, for the codec's fidelity check: the release
# kafkalite's definitions pin (src/protocol/kafka/definitions) and the one their legacy versions come from, read
# from the definitions themselves so that moving them to another release fetches its jar.
spec_releases="$(cd "$ROOT" && node --input-type=module \
  -e "import {definitionReleases} from './scripts/kafka-codec/kafka-specs.mjs'; console.log(definitionReleases().join(' '))")"
for release in $spec_releases; do
  if [ ! -f "$M2/org/apache/kafka/kafka-clients/$release/kafka-clients-$release.jar" ]; then
    say "fetching kafka-clients $release (its message specs, for the codec's fidelity check)"
    mvn_quiet dependency:get -Dartifact="org.apache.kafka:kafka-clients:$release" -Dtransitive=false
  fi
done

# What the suite reads to find all of the above.
cat >"$HOME_DIR/env.json" <<EOF
{
  "python": "$PY/bin/python",
  "javaClasspath": "$JAVA_DIR/libs/*",
  "kafkaVersion": "$KAFKA_VERSION",
  "kafkaClasspath": "$KAFKA_DIR/libs/*",
  "kcat": "$(command -v kcat)"
}
EOF
say "ready in $(($(date +%s) - started)) s ($HOME_DIR)"
