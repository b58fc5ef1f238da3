#!/usr/bin/env python3
"""Checks a Kubernetes manifest of mtlab Jobs (scripts/cluster/k8s-workers.yaml)
without a cluster, and writes each pod's command as a local shell script.

  check_k8s.py FILE                      parse and check; print what was checked
  check_k8s.py FILE --pods DIR [options] also write DIR/<job>-<index>.sh per pod
                                         and each ConfigMap as DIR/<name>/<key>

Checks: YAML syntax; apiVersion, kind and metadata.name on every object;
Indexed Jobs with completions = parallelism, pod failure policies only with
restartPolicy Never; every Secret key, ConfigMap and claim a pod names defined
in the file; volume mounts naming volumes of the pod; no password inside a
postgresql:// URL; for a Job whose pods set WORLD_SIZE: WORLD_SIZE =
completions, RANK from the completion index, MASTER_ADDR = <job>-0.<subdomain>
with a headless Service of that name selecting the Job's pods on MASTER_PORT.

A pod script runs the container's command as a kubelet would start it: the
env resolved (Secret values, the completion index, limits.cpu rounded up),
`$(NAME)` expanded in command and env, and mount paths mapped to local folders:
  --volume CLAIM=DIR     a persistentVolumeClaim's local folder (ConfigMaps: DIR/<name>)
  --secret NAME.KEY=VAL  a Secret value other than the file's
  --cpu-limit N          the CPUs limits.cpu stands for here
  --host NAME=ADDR       an address for a DNS name (MASTER_ADDR)
  --env NAME=VALUE       an env value other than the file's
Exit code 0 when every check passed, 1 with the problems listed otherwise.
"""
import argparse
import math
import re
import shlex
import sys
from pathlib import Path

import yaml

INDEX_PATH = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
problems = []


def problem(where, text):
    problems.append(f"{where}: {text}")


def cpu_count(quantity):
    """A CPU quantity ("4", "2500m", 1.5) in whole CPUs, rounded up as the downward API does."""
    text = str(quantity)
    return math.ceil(int(text[:-1]) / 1000) if text.endswith("m") else math.ceil(float(text))


def pod_spec(job):
    return job.get("spec", {}).get("template", {}).get("spec", {})


def env_value(env, name):
    for e in env:
        if e.get("name") == name:
            return e
    return None


def check_job(job, objects):
    name = job["metadata"]["name"]
    where = f"Job {name}"
    spec = job.get("spec", {})
    if spec.get("completionMode") != "Indexed":
        problem(where, "completionMode is not Indexed")
    if spec.get("completions") != spec.get("parallelism"):
        problem(where, f"completions {spec.get('completions')} != parallelism {spec.get('parallelism')}")
    pod = pod_spec(job)
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        problem(where, f"restartPolicy {pod.get('restartPolicy')!r}: a Job's pods need Never or OnFailure")
    if "podFailurePolicy" in spec and pod.get("restartPolicy") != "Never":
        problem(where, "podFailurePolicy needs restartPolicy Never")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for v in volumes.values():
        if "configMap" in v and ("ConfigMap", v["configMap"]["name"]) not in objects:
            problem(where, f"volume {v['name']}: no ConfigMap {v['configMap']['name']} in the file")
        if "persistentVolumeClaim" in v and ("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"]) not in objects:
            problem(where, f"volume {v['name']}: no PersistentVolumeClaim {v['persistentVolumeClaim']['claimName']}")
    for c in pod.get("containers", []):
        cwhere = f"{where} container {c.get('name')}"
        if not c.get("image") or not c.get("command"):
            problem(cwhere, "no image or no command")
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                problem(cwhere, f"volumeMount {m['name']} names no volume of the pod")
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                secret = objects.get(("Secret", ref["name"]))
                if secret is None or ref["key"] not in {**secret.get("stringData", {}), **secret.get("data", {})}:
                    problem(cwhere, f"env {e['name']}: no key {ref['key']} in a Secret {ref['name']}")
        check_ranks(job, c, objects, cwhere)


def check_ranks(job, container, objects, where):
    env = container.get("env", [])
    world = env_value(env, "WORLD_SIZE")
    if world is None:
        return
    name = job["metadata"]["name"]
    spec = job["spec"]
    if str(world.get("value")) != str(spec.get("completions")):
        problem(where, f"WORLD_SIZE {world.get('value')} != completions {spec.get('completions')}")
    rank = env_value(env, "RANK") or {}
    if rank.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != INDEX_PATH:
        problem(where, "RANK does not come from the completion index annotation")
    subdomain = pod_spec(job).get("subdomain")
    addr = (env_value(env, "MASTER_ADDR") or {}).get("value")
    if addr != f"{name}-0.{subdomain}":
        problem(where, f"MASTER_ADDR {addr!r}: expected {name}-0.{subdomain} (rank 0's pod through the Service)")
    service = objects.get(("Service", subdomain))
    if service is None:
        problem(where, f"no Service {subdomain} (the pods' subdomain)")
        return
    sspec = service.get("spec", {})
    if sspec.get("clusterIP") != "None":
        problem(f"Service {subdomain}", "not headless (clusterIP: None): pods would get no DNS names")
    if sspec.get("selector", {}).get("batch.kubernetes.io/job-name") != name:
        problem(f"Service {subdomain}", f"does not select the pods of Job {name}")
    port = (env_value(env, "MASTER_PORT") or {}).get("value")
    if str(port) not in {str(p.get("port")) for p in sspec.get("ports", [])}:
        problem(f"Service {subdomain}", f"has no port {port} (MASTER_PORT)")


def expand(text, env):
    """Kubernetes' $(NAME) expansion ($$ escapes); unknown names stay as they are."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def write_pods(objects, out, options):
    out.mkdir(parents=True, exist_ok=True)
    for (kind, name), obj in objects.items():
        if kind == "ConfigMap":
            for key, text in obj.get("data", {}).items():
                (out / name).mkdir(exist_ok=True)
                (out / name / key).write_text(text)
    for (kind, name), job in objects.items():
        if kind != "Job":
            continue
        pod = pod_spec(job)
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for index in range(job["spec"]["completions"]):
            (out / f"{name}-{index}.sh").write_text(pod_script(objects, pod, volumes, index, out, options))


def pod_script(objects, pod, volumes, index, out, options):
    container = pod["containers"][0]
    mounts = {}
    for m in container.get("volumeMounts", []):
        v = volumes[m["name"]]
        if "configMap" in v:
            mounts[m["mountPath"]] = str(out / v["configMap"]["name"])
        else:
            claim = v["persistentVolumeClaim"]["claimName"]
            if claim not in options.volume:
                sys.exit(f"check_k8s: --volume {claim}=DIR is needed for the pods' mount {m['mountPath']}")
            mounts[m["mountPath"]] = options.volume[claim]

    def local(text):
        for path, folder in mounts.items():
            if text == path or text.startswith(path + "/"):
                return folder + text[len(path):]
        return options.host.get(text, text)

    env = {"JOB_COMPLETION_INDEX": str(index)}
    for e in container.get("env", []):
        source = e.get("valueFrom", {})
        if "value" in e:
            value = expand(str(e["value"]), env)
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            value = options.secret.get(f"{ref['name']}.{ref['key']}",
                                       objects[("Secret", ref["name"])].get("stringData", {}).get(ref["key"], ""))
        elif source.get("fieldRef", {}).get("fieldPath") == INDEX_PATH:
            value = str(index)
        elif source.get("resourceFieldRef", {}).get("resource") == "limits.cpu":
            value = str(options.cpu_limit or cpu_count(container["resources"]["limits"]["cpu"]))
        else:
            sys.exit(f"check_k8s: env {e['name']}: a source this script does not resolve: {source}")
        env[e["name"]] = options.env.get(e["name"], local(value))
    command = [local(expand(str(a), env)) for a in container["command"] + container.get("args", [])]
    lines = ["#!/usr/bin/env bash", f"# pod {index} of the Job, as a local process (check_k8s.py)"]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
    lines += ["exec " + " ".join(shlex.quote(a) for a in command), ""]
    return "\n".join(lines)


def pairs(text):
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--pods", type=Path)
    for flag in ("volume", "secret", "host", "env"):
        parser.add_argument(f"--{flag}", type=pairs, action="append", default=[])
    parser.add_argument("--cpu-limit", type=int)
    options = parser.parse_args()
    for flag in ("volume", "secret", "host", "env"):
        setattr(options, flag, dict(getattr(options, flag)))

    try:
        documents = [d for d in yaml.safe_load_all(Path(options.file).read_text()) if d is not None]
    except yaml.YAMLError as e:
        sys.exit(f"{options.file}: not YAML: {e}")
    objects = {}
    for n, d in enumerate(documents, 1):
        if not isinstance(d, dict) or not d.get("apiVersion") or not d.get("kind") or not d.get("metadata", {}).get("name"):
            problem(f"{options.file}: document {n}", "needs apiVersion, kind and metadata.name")
            continue
        objects[(d["kind"], d["metadata"]["name"])] = d
    text = Path(options.file).read_text()
    for url in re.findall(r"postgres(?:ql)?://[^\s'\"]+", text):
        if re.match(r"postgres(?:ql)?://[^/@]*:[^/@]*@", url):
            problem(options.file, f"a password inside the URL {url}: use PGPASSWORD")
    for (kind, name), obj in objects.items():
        if kind == "Job":
            check_job(obj, objects)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"{options.file}: ok: " + ", ".join(f"{k} {n}" for k, n in objects))
    if options.pods:
        write_pods(objects, options.pods, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
