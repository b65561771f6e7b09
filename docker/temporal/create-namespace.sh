#!/bin/sh
# Creates the namespace and registers the project's search attributes; safe to run again.
# TEMPORAL_ADDRESS is read by the temporal CLI itself.
# SEARCH_ATTRIBUTES: space-separated Name=Type pairs (Type as the CLI spells it: Keyword, Int, ...).
set -eu

: "${TEMPORAL_NAMESPACE:?}" "${NAMESPACE_RETENTION:?}" "${SEARCH_ATTRIBUTES:?}"
MAX_ATTEMPTS=60

retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "gave up after $MAX_ATTEMPTS attempts: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 1
  done
}

cluster_serving() {
  temporal operator cluster health 2>/dev/null | grep -q SERVING
}

search_attribute_exists() {
  temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" --output json 2>/dev/null |
    grep -q "\"$1\""
}

# The server accepts a new namespace's search attributes only once its namespace cache has the namespace.
ensure_search_attribute() {
  search_attribute_exists "$1" ||
    temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$1" --type "$2"
}

retry cluster_serving

if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE already exists"
else
  temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$NAMESPACE_RETENTION"
fi

for pair in $SEARCH_ATTRIBUTES; do
  retry ensure_search_attribute "${pair%%=*}" "${pair#*=}"
done
echo "namespace $TEMPORAL_NAMESPACE ready with search attributes: $SEARCH_ATTRIBUTES"
