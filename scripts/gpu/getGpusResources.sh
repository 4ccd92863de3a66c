#!/usr/bin/env bash
# GPU discovery script for Spark's resource scheduling (spark.{driver,executor,worker}.resource.gpu.discoveryScript).
# Prints the GPUs this host's executor may use as Spark's ResourceInformation JSON:
#   {"name": "gpu", "addresses": ["0", "1"]}
# Same contract as Spark's examples/src/main/scripts/getGpusResources.sh (Apache Spark distribution); ours also
# honours CUDA_VISIBLE_DEVICES when a resource manager (YARN, Kubernetes device plugin) has already narrowed it.
# Needs nvidia-smi on the executor hosts. Copy this file to every node (or ship it with --files) and point
# spark.executor.resource.gpu.discoveryScript at it (conf/spark-defaults-gpu.conf).
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  ids=${CUDA_VISIBLE_DEVICES}
else
  command -v nvidia-smi >/dev/null 2>&1 || { echo "getGpusResources.sh: nvidia-smi not found" >&2; exit 1; }
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | paste -sd, -)
fi
addresses=$(echo "$ids" | tr ',' '\n' | sed '/^$/d; s/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
