#!/usr/bin/env python3
"""Checks the operator files under ops/ against the service's metrics.

- ops/grafana/tiktok-business.json: the dashboard's structure (schema version, a `${datasource}` Prometheus
  variable that every panel and target uses, `job`/`instance` variables, unique panel ids, a title, a description
  and at least one target with an expression on every panel, grid positions that fit and do not overlap).
- ops/prometheus/alerts.yml: every alert has `alert`, `expr`, `for`, `labels.severity` and
  `annotations.summary`/`description` (the description with a "Runbook:" sentence).
- Every metric name in any PromQL expression of either file (panel targets, variable queries, rule expressions)
  must be exported by the service: the labels given to Counter/Gauge/Timer/Recorder in
  Sources/TikTokConnectionsServer/Metrics/*.swift. Timers (and aggregating Recorders) are histograms, exported only
  as `_bucket`, `_sum` and `_count`. `up` is Prometheus' own. Label names in selectors and in by/without/on/ignoring
  clauses must be dimensions of those metrics or the target labels `job` and `instance`. So renaming a metric or a
  label in the Swift code without updating the dashboard and the rules fails here.
- `promtool check rules` when promtool is installed (Debian: `apt-get install prometheus`); skipped otherwise.

Needs Python 3 and PyYAML; scripts/check-ops.sh installs PyYAML in a venv and runs this.
Usage: scripts/check-ops.py [--no-promtool]
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

try:
    import yaml
except ImportError:
    print(
        "check-ops: PyYAML is not installed. Run scripts/check-ops.sh (it installs PyYAML in a venv under .build/),\n"
        "or install it yourself: python3 -m pip install PyYAML (Debian: apt-get install python3-yaml).",
        file=sys.stderr,
    )
    sys.exit(2)

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "ops/grafana/tiktok-business.json"
RULES = ROOT / "ops/prometheus/alerts.yml"
METRICS_SOURCES = ROOT / "Sources/TikTokConnectionsServer/Metrics"

# Labels Prometheus attaches to every scraped series.
TARGET_LABELS = {"job", "instance"}
# Series that Prometheus makes itself, with the labels they can be filtered on.
PROMETHEUS_SERIES = {"up": TARGET_LABELS}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
SEVERITIES = {"critical", "warning", "info"}
GRAFANA_BUILTINS = {
    "__interval", "__interval_ms", "__rate_interval", "__range", "__range_s", "__range_ms", "__from", "__to",
    "__dashboard", "__org", "__user", "__name", "timeFilter", "__timeFilter",
}

PROMQL_AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
    "quantile", "limitk", "limit_ratio",
}
PROMQL_FUNCTIONS = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time",
    "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month",
    "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv", "double_exponential_smoothing", "exp",
    "floor", "histogram_avg", "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_stddev",
    "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate", "label_join",
    "label_replace", "last_over_time", "ln", "log10", "log2", "mad_over_time", "max_over_time", "min_over_time",
    "minute", "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets",
    "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt",
    "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
}
PROMQL_GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
PROMQL_KEYWORDS = {"and", "or", "unless", "offset", "bool", "atan2", "inf", "nan", "start", "end"} | PROMQL_GROUPING


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")


# ----------------------------------------------------------------------------------------------------------------
# What the service exports


class Metric:
    def __init__(self, name, kind, labels, source):
        self.name = name
        self.kind = kind  # counter, gauge, histogram or unknown
        self.labels = labels  # set of label names, or None when they could not be read
        self.source = source


def shown(path):
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def matching_paren(text, open_index):
    """The index of the parenthesis closing the one at open_index, skipping string literals."""
    depth = 0
    i = open_index
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text) - 1


CONSTRUCTOR = re.compile(r'\b(Counter|FloatingPointCounter|Gauge|Meter|Recorder|Timer)\s*\(\s*label:\s*"([^"]+)"')
METRIC_STRING = re.compile(r'"(tiktok_business_[A-Za-z0-9_:]*)"')
DIMENSION = re.compile(r'\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*,')


def exported_metrics(directory, problems):
    """Metric name → Metric, read from the Swift sources of the metrics."""
    metrics = {}
    files = sorted(directory.glob("*.swift"))
    if not files:
        problems.add(str(directory), "no Swift sources to read the metric names from")
    for path in files:
        text = path.read_text()
        source = shown(path)
        seen = set()
        for match in CONSTRUCTOR.finditer(text):
            constructor, name = match.groups()
            call = text[match.start(1):matching_paren(text, text.index("(", match.start(1))) + 1]
            if constructor == "Timer" or (constructor == "Recorder" and not re.search(r"aggregate:\s*false", call)):
                kind = "histogram"
            elif constructor in ("Counter", "FloatingPointCounter"):
                kind = "counter"
            else:
                kind = "gauge"
            labels = set()
            dimensions = re.search(r"dimensions:\s*\[", call)
            if dimensions:
                labels = set(DIMENSION.findall(call[dimensions.end():]))
            metric = metrics.get(name)
            if metric and (metric.kind != kind or metric.labels != labels):
                problems.add(str(source), f"metric {name} is made twice with different types or labels")
            metrics[name] = Metric(name, kind, labels, source)
            seen.add(name)
        # A metric name the constructor pattern missed (made some other way): known, of unknown type and labels.
        for name in METRIC_STRING.findall(text):
            if name not in seen and name not in metrics:
                metrics[name] = Metric(name, "unknown", None, source)
    return metrics


def series_names(metrics):
    """Series name → (Metric or None, label names or None) for everything a query may select."""
    series = {name: (None, labels) for name, labels in PROMETHEUS_SERIES.items()}
    for metric in metrics.values():
        labels = None if metric.labels is None else metric.labels | TARGET_LABELS
        if metric.kind in ("histogram", "unknown"):
            for suffix in HISTOGRAM_SUFFIXES:
                extra = {"le"} if suffix == "_bucket" and labels is not None else set()
                series[metric.name + suffix] = (metric, None if labels is None else labels | extra)
        if metric.kind != "histogram":
            series[metric.name] = (metric, labels)
    return series


# ----------------------------------------------------------------------------------------------------------------
# PromQL: which series and labels an expression uses

TOKEN = re.compile(
    r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<number>(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)(?:ms|[smhdwy])?(?:[0-9]+(?:ms|[smhdwy]))*)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=@(){}\[\],])
    """,
    re.VERBOSE,
)


class Query:
    def __init__(self):
        self.selectors = []  # (series name, [label names in its matchers])
        self.grouping = set()  # label names in by/without/on/ignoring/group_left/group_right
        self.made_labels = set()  # labels made by label_replace/label_join
        self.source_labels = set()  # labels read by label_replace/label_join
        self.errors = []


def substitute_variables(expr):
    """Grafana variables stand for values: give each a neutral one so the expression parses."""
    return re.sub(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\[\[[^\]]*\]\]", "1", expr)


def tokenize(expr, query):
    tokens = []
    position = 0
    while position < len(expr):
        match = TOKEN.match(expr, position)
        if not match:
            query.errors.append(f"cannot read the expression at {expr[position:position + 20]!r}")
            return tokens
        position = match.end()
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group()))
    return tokens


def parse_promql(expr):
    query = Query()
    tokens = tokenize(substitute_variables(expr), query)
    frames = []  # one per open parenthesis: [function name or None, argument index]
    i = 0

    def peek(offset=1):
        return tokens[i + offset] if i + offset < len(tokens) else (None, None)

    def read_matchers(start):
        """Label names of the matchers in braces opening at tokens[start]; returns (names, index after '}')."""
        names, j = [], start + 1
        while j < len(tokens) and tokens[j][1] != "}":
            kind, value = tokens[j]
            if kind == "ident" and j + 1 < len(tokens) and tokens[j + 1][1] in ("=", "!=", "=~", "!~"):
                names.append((value, tokens[j + 1][1], tokens[j + 2][1] if j + 2 < len(tokens) else ""))
                j += 3
            elif value == ",":
                j += 1
            else:
                query.errors.append(f"unexpected {value!r} in a label matcher")
                j += 1
        return names, j + 1

    while i < len(tokens):
        kind, value = tokens[i]
        if value == "[":  # a range or subquery: durations only
            while i < len(tokens) and tokens[i][1] != "]":
                i += 1
            i += 1
            continue
        if value == "{":  # a selector without a metric name: {__name__="..."}
            matchers, i = read_matchers(i)
            names = [m[2].strip("\"'`") for m in matchers if m[0] == "__name__" and m[1] == "="]
            if not names:
                query.errors.append("a selector without a metric name (give the name, not only __name__=~)")
            for name in names:
                query.selectors.append((name, [m[0] for m in matchers if m[0] != "__name__"]))
            continue
        if value == "(":
            frames.append([None, 0])
            i += 1
            continue
        if value == ")":
            if not frames:
                query.errors.append("unbalanced parentheses: ')' without '('")
            else:
                frames.pop()
            i += 1
            continue
        if value == ",":
            if frames:
                frames[-1][1] += 1
            i += 1
            continue
        if kind == "string":
            if frames and frames[-1][0] in ("label_replace", "label_join"):
                function, argument = frames[-1]
                label = value[1:-1]
                if argument == 1:
                    query.made_labels.add(label)
                elif argument >= 3 and (function == "label_join" or argument == 3):
                    query.source_labels.add(label)
            i += 1
            continue
        if kind != "ident":
            i += 1
            continue
        lowered = value.lower()
        if lowered in PROMQL_GROUPING and peek()[1] == "(":
            j = i + 2
            while j < len(tokens) and tokens[j][1] != ")":
                if tokens[j][0] == "ident":
                    query.grouping.add(tokens[j][1])
                j += 1
            i = j + 1
            continue
        if lowered in PROMQL_KEYWORDS:
            i += 1
            continue
        if peek()[1] == "(":
            if value not in PROMQL_FUNCTIONS and value not in PROMQL_AGGREGATIONS:
                query.errors.append(f"unknown function {value}()")
            frames.append([value, 0])
            i += 2
            continue
        if peek()[0] == "ident" and peek()[1].lower() in ("by", "without") and value in PROMQL_AGGREGATIONS:
            i += 1  # `sum by (…) (…)`: the grouping comes next, then the arguments
            continue
        # A metric name, maybe with matchers.
        if peek()[1] == "{":
            matchers, i = read_matchers(i + 1)
            query.selectors.append((value, [m[0] for m in matchers]))
        else:
            query.selectors.append((value, []))
            i += 1
    if frames:
        query.errors.append("unbalanced parentheses: '(' not closed")
    return query


def label_values_query(text):
    """A Grafana variable query as PromQL plus the label it reads: label_values(selector, label) and friends."""
    match = re.fullmatch(r"\s*label_values\(\s*(?:(.*),\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", text, re.S)
    if match:
        return match.group(1) or "", match.group(2)
    match = re.fullmatch(r"\s*query_result\((.*)\)\s*", text, re.S)
    if match:
        return match.group(1), None
    return text, None


# ----------------------------------------------------------------------------------------------------------------
# Checks


class Usage:
    """Every expression to check, with where it comes from."""

    def __init__(self):
        self.expressions = []  # (where, expr, extra label or None)

    def add(self, where, expr, label=None):
        self.expressions.append((where, expr, label))


def variable_uses_datasource(datasource):
    if isinstance(datasource, str):
        return datasource in ("$datasource", "${datasource}")
    return isinstance(datasource, dict) and datasource.get("uid") in ("$datasource", "${datasource}")


def check_dashboard(path, problems, usage):
    where = shown(path)
    try:
        dashboard = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        problems.add(where, f"cannot read the dashboard: {error}")
        return 0
    if dashboard.get("schemaVersion") != 39:
        problems.add(where, f"schemaVersion is {dashboard.get('schemaVersion')!r}, expected 39")
    for key in ("title", "uid"):
        if not dashboard.get(key):
            problems.add(where, f"no {key}")

    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    datasource = variables.get("datasource")
    if not datasource or datasource.get("type") != "datasource" or datasource.get("query") != "prometheus":
        problems.add(where, "no `datasource` template variable of type datasource over Prometheus")
    for name in ("job", "instance"):
        if name not in variables:
            problems.add(where, f"no `{name}` template variable")
    for name, variable in variables.items():
        if variable.get("type") != "query":
            continue
        if not variable_uses_datasource(variable.get("datasource")):
            problems.add(where, f"variable {name}: datasource is not ${{datasource}}")
        query = variable.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        if not text:
            problems.add(where, f"variable {name}: no query")
            continue
        expr, label = label_values_query(text)
        if expr:
            usage.add(f"{where} variable {name}", expr, label)

    defined = set(variables) | GRAFANA_BUILTINS
    panels = []
    for panel in dashboard.get("panels", []):
        panels.append(panel)
        panels.extend(panel.get("panels", []) if panel.get("type") == "row" else [])
    if not panels:
        problems.add(where, "no panels")

    ids = defaultdict(list)
    for panel in panels:
        ids[panel.get("id")].append(panel.get("title"))
    for panel_id, titles in ids.items():
        if not isinstance(panel_id, int):
            problems.add(where, f"panel {titles[0]!r} has no integer id")
        elif len(titles) > 1:
            problems.add(where, f"panel id {panel_id} is used by {len(titles)} panels: {titles}")

    placed = []
    for panel in panels:
        title = panel.get("title") or "(untitled)"
        label = f"{where} panel {panel.get('id')} {title!r}"
        grid = panel.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")):
            problems.add(label, "gridPos needs integer x, y, w and h")
        elif grid["x"] < 0 or grid["x"] + grid["w"] > 24:
            problems.add(label, "gridPos does not fit in 24 columns")
        elif not any(panel in row.get("panels", []) for row in dashboard.get("panels", [])):
            for other_label, other in placed:
                if (grid["x"] < other["x"] + other["w"] and other["x"] < grid["x"] + grid["w"]
                        and grid["y"] < other["y"] + other["h"] and other["y"] < grid["y"] + grid["h"]):
                    problems.add(label, f"overlaps {other_label}")
            placed.append((label, grid))
        if panel.get("type") == "row":
            if not panel.get("collapsed") and panel.get("panels"):
                problems.add(label, "an expanded row keeps its panels at the top level, not in `panels`")
            continue
        if not panel.get("title"):
            problems.add(label, "no title")
        if not panel.get("description"):
            problems.add(label, "no description")
        if not variable_uses_datasource(panel.get("datasource")):
            problems.add(label, "datasource is not the ${datasource} variable")
        targets = panel.get("targets") or []
        if not targets:
            problems.add(label, "no targets")
        ref_ids = [t.get("refId") for t in targets]
        if len(set(ref_ids)) != len(ref_ids):
            problems.add(label, f"repeated refId in {ref_ids}")
        for target in targets:
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.add(label, f"target {target.get('refId')} has no expr")
                continue
            if "datasource" in target and not variable_uses_datasource(target["datasource"]):
                problems.add(label, f"target {target.get('refId')}: datasource is not the ${{datasource}} variable")
            for name in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)", expr):
                name = name[0] or name[1]
                if name not in defined:
                    problems.add(label, f"target {target.get('refId')} uses undefined variable ${name}")
            usage.add(f"{label} target {target.get('refId')}", expr)
    return len(panels)


DURATION = re.compile(r"^([0-9]+(ms|[smhdwy]))+$")
ALERT_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
RECORD_KEYS = {"record", "expr", "labels"}


def check_rules(path, problems, usage, recorded):
    where = shown(path)
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        problems.add(where, f"cannot read the rules: {error}")
        return 0
    groups = document.get("groups") if isinstance(document, dict) else None
    if not isinstance(groups, list) or not groups:
        problems.add(where, "no `groups` list")
        return 0
    count = 0
    group_names = set()
    alert_severities = set()
    for group in groups:
        name = group.get("name")
        if not name or name in group_names:
            problems.add(where, f"group name {name!r} missing or repeated")
        group_names.add(name)
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            problems.add(f"{where} group {name}", "no rules")
            continue
        for rule in rules:
            count += 1
            if "record" in rule:
                label = f"{where} recording rule {rule.get('record')}"
                for key in set(rule) - RECORD_KEYS:
                    problems.add(label, f"unknown key {key!r}")
                recorded.add(rule["record"])
            else:
                alert = rule.get("alert")
                label = f"{where} alert {alert}"
                if not isinstance(alert, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", alert):
                    problems.add(label, "`alert` missing or not a valid name")
                for key in set(rule) - ALERT_KEYS:
                    problems.add(label, f"unknown key {key!r}")
                if not DURATION.match(str(rule.get("for", ""))):
                    problems.add(label, "`for` missing or not a duration")
                severity = (rule.get("labels") or {}).get("severity")
                if severity not in SEVERITIES:
                    problems.add(label, f"labels.severity is {severity!r}, expected one of {sorted(SEVERITIES)}")
                if (alert, severity) in alert_severities:
                    problems.add(label, f"repeated with severity {severity}")
                alert_severities.add((alert, severity))
                annotations = rule.get("annotations") or {}
                if not annotations.get("summary"):
                    problems.add(label, "no annotations.summary")
                if "Runbook:" not in (annotations.get("description") or ""):
                    problems.add(label, "annotations.description missing or without a \"Runbook:\" sentence")
            expr = rule.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.add(label, "no expr")
            else:
                usage.add(label, expr)
    return count


def check_expressions(usage, series, problems):
    """Every series an expression selects must be exported; every label it names must exist. Returns the
    missing series names → where they are used."""
    missing = defaultdict(list)
    used = set()
    for where, expr, extra_label in usage.expressions:
        query = parse_promql(expr)
        for error in query.errors:
            problems.add(where, error)
        known_labels = set(TARGET_LABELS)
        labels_unknown = False
        for name, matcher_labels in query.selectors:
            if name not in series:
                missing[name].append(where)
                labels_unknown = True
                continue
            metric, labels = series[name]
            if metric is not None:
                used.add(metric.name)
            if labels is None:
                labels_unknown = True
                continue
            known_labels |= labels
            for label in matcher_labels:
                if label not in labels:
                    problems.add(where, f"{name} has no label {label!r} (it has {sorted(labels)})")
        if labels_unknown:
            continue  # a missing metric is reported once, above; its labels cannot be checked
        wanted = query.grouping | query.source_labels | ({extra_label} if extra_label else set())
        for label in sorted(wanted - known_labels - query.made_labels):
            problems.add(where, f"label {label!r} is not a label of {sorted({s for s, _ in query.selectors})}")
    return missing, used


def run_promtool(rules, dashboard_expressions, problems):
    """`promtool check rules` on the rules, and on the dashboard's expressions as recording rules (so their PromQL
    syntax is checked too, with Grafana's variables given sample values)."""
    promtool = shutil.which("promtool")
    if not promtool:
        print("promtool: not installed, skipped (Debian: apt-get install --no-install-recommends prometheus)")
        return

    def check(path, what):
        result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
        output = (result.stdout + result.stderr).strip()
        print(f"promtool check rules ({what}):", output.replace("\n", "\n  "))
        if result.returncode != 0:
            problems.add(what, "promtool check rules failed")
        return output

    check(rules, shown(rules))
    recording = []
    for number, (where, expr, _) in enumerate(dashboard_expressions):
        expr = re.sub(r"\$\{?__[a-z_]+\}?", "5m", expr)
        expr = re.sub(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*", "x", expr)
        recording.append({"record": f"dashboard_expression_{number}", "expr": expr, "labels": {"source": where}})
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "dashboard-expressions.yml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": recording}]}))
        output = check(path, "dashboard expressions")
    for number in sorted({int(n) for n in re.findall(r"dashboard_expression_([0-9]+)", output)}):
        problems.add(dashboard_expressions[number][0], "promtool cannot parse this expression")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-promtool", action="store_true", help="do not run promtool even when installed")
    parser.add_argument("--dashboard", type=Path, default=DASHBOARD, help="the Grafana dashboard (JSON)")
    parser.add_argument("--rules", type=Path, default=RULES, help="the Prometheus alerting rules (YAML)")
    parser.add_argument("--sources", type=Path, default=METRICS_SOURCES,
                        help="the Swift sources that make the service's metrics")
    arguments = parser.parse_args()

    problems = Problems()
    usage = Usage()
    metrics = exported_metrics(arguments.sources.resolve(), problems)
    recorded = set()
    panels = check_dashboard(arguments.dashboard.resolve(), problems, usage)
    rules = check_rules(arguments.rules.resolve(), problems, usage, recorded)
    series = series_names(metrics)
    for name in recorded:
        series.setdefault(name, (None, None))
    missing, used = check_expressions(usage, series, problems)

    print(f"service metrics ({shown(arguments.sources.resolve())}/*.swift): "
          + ", ".join(f"{m.name} ({m.kind})" for m in sorted(metrics.values(), key=lambda m: m.name)))
    print(f"dashboard: {panels} panels; rules: {rules}; PromQL expressions checked: {len(usage.expressions)}")
    unused = sorted(set(metrics) - used)
    if unused:
        print("note: exported but used nowhere in ops/: " + ", ".join(unused))
    if not arguments.no_promtool:
        dashboard = shown(arguments.dashboard.resolve())
        run_promtool(arguments.rules.resolve(), [e for e in usage.expressions if e[0].startswith(dashboard)], problems)

    if missing:
        print(f"\nFAIL: {len(missing)} metric names used in ops/ are not exported by the service:", file=sys.stderr)
        for name in sorted(missing):
            places = missing[name]
            print(f"  {name}  ({len(places)} use{'' if len(places) == 1 else 's'})", file=sys.stderr)
            for place in places:
                print(f"      {place}", file=sys.stderr)
    if problems.items:
        print(f"\nFAIL: {len(problems.items)} problems:", file=sys.stderr)
        for item in problems.items:
            print(f"  {item}", file=sys.stderr)
    if missing or problems.items:
        return 1
    print("ops: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
