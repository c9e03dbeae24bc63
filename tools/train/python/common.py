"""Shared pieces of the pipewright Python runners: the job file, the line protocol, preprocessing, the
cross-validated search loop and the result file. Node decides folds and candidates; Python fits and scores.

Line protocol on stdout: `::progress <0..1> <message>`, `::metric <name> <value>`, `::missing <module>`,
`::error <message>`. Other output goes to stderr so it cannot be mistaken for protocol lines.
"""
import json
import math
import sys
import time

PROTOCOL = sys.stdout


def emit(kind, *parts):
    PROTOCOL.write("::" + kind + " " + " ".join(str(p) for p in parts) + "\n")
    PROTOCOL.flush()


def require(*modules):
    """Imports each module or reports the first missing one and exits 3."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            emit("missing", name)
            sys.exit(3)


def fail(message):
    emit("error", str(message).replace("\n", " "))
    sys.exit(2)


def format_eta(seconds):
    s = round(seconds)
    if s < 60:
        return f"~{max(1, s)} s left"
    m = s // 60
    if m < 60:
        return f"~{m} min {s % 60:02d} s left"
    return f"~{m // 60} h {m % 60:02d} min left"


def load_job(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_frame(job, path):
    """Reads a CSV written by DuckDB: empty cells are missing, every other string is kept verbatim."""
    import pandas as pd

    dtypes = {f["name"]: str for f in job["features"] if f["kind"] == "categorical"}
    if job["taskType"] == "classification":
        dtypes[job["target"]] = str
    df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    return frame_for(job, df)


def frame_for(job, df):
    """Keeps the feature columns in model order, with the types the preprocessing expects: floats for numeric
    columns, strings (NaN when missing) for categorical ones, strings ("" when missing) for text, and the
    date values as given (parsed by date_parts)."""
    import numpy as np

    out = df.reindex(columns=[f["name"] for f in job["features"]])
    for f in job["features"]:
        col = out[f["name"]]
        if f["kind"] == "numeric":
            out[f["name"]] = col.astype("float64")
        elif f["kind"] == "text":
            out[f["name"]] = col.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)).astype(object)
        elif f["kind"] == "date":
            out[f["name"]] = col.astype(object)
        else:
            out[f["name"]] = col.map(lambda v: np.nan if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)).astype(object)
    return out


def date_parts(X, hour=False):
    """Calendar parts of date columns, as pipewright's builtin preprocessing makes them: year, month, day,
    day of week (0 = Monday), and the hour for timestamps; NaN where a value is missing or not a date.
    Strings are read as written; numbers as epoch milliseconds (UTC)."""
    import numpy as np
    import pandas as pd

    def as_date(v):
        # JSON numbers are epoch milliseconds (as the builtin preprocessing reads them); strings are parsed.
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return pd.NaT if math.isnan(float(v)) else pd.Timestamp(int(v), unit="ms")
        return v

    cols = []
    for j in range(X.shape[1]):
        raw = pd.Series(np.asarray(X)[:, j] if not hasattr(X, "iloc") else X.iloc[:, j].to_numpy())
        d = pd.to_datetime(raw.map(as_date), errors="coerce")
        parts = [d.dt.year, d.dt.month, d.dt.day, d.dt.dayofweek] + ([d.dt.hour] if hour else [])
        cols.extend(p.astype("float64").to_numpy() for p in parts)
    return np.column_stack(cols) if cols else np.empty((len(X), 0))


def target_of(job, path_or_df):
    import pandas as pd

    df = path_or_df
    if isinstance(df, str):
        df = pd.read_csv(df, dtype={job["target"]: str} if job["taskType"] == "classification" else None, keep_default_na=False, na_values=[""])
    y = df[job["target"]]
    if job["taskType"] == "classification":
        index = {c: i for i, c in enumerate(job["classes"])}
        return y.map(index).fillna(-1).to_numpy(dtype="int64")  # -1: a label never seen in training
    return y.to_numpy(dtype="float64")


def preprocessor(job, scale=True):
    """sklearn ColumnTransformer: numeric → mean imputation (+ standardisation), categorical → mode + one-hot,
    date → calendar parts + mean imputation (+ standardisation), text → TF-IDF of its words (one vectoriser
    per column, the most frequent job.textMaxFeatures terms)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    numeric = [f["name"] for f in job["features"] if f["kind"] == "numeric"]
    categorical = [f["name"] for f in job["features"] if f["kind"] == "categorical"]
    try:
        onehot = OneHotEncoder(handle_unknown="ignore", max_categories=job.get("maxCategories", 50), sparse_output=False)
    except TypeError:  # scikit-learn < 1.2
        onehot = OneHotEncoder(handle_unknown="ignore", sparse=False)

    def scaled(first):
        steps = [first, ("impute", SimpleImputer(strategy="mean"))]
        if scale:
            steps.append(("scale", StandardScaler()))
        return Pipeline(steps)

    transformers = []
    if numeric:
        transformers.append(("numeric", scaled(("identity", "passthrough")), numeric))
    if categorical:
        cat = Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("onehot", onehot)])
        transformers.append(("categorical", cat, categorical))
    for f in job["features"]:
        if f["kind"] == "date":
            parts = FunctionTransformer(date_parts, kw_args={"hour": bool(f.get("hour"))})
            transformers.append((f"date:{f['name']}", scaled(("parts", parts)), [f["name"]]))
        elif f["kind"] == "text":
            tfidf = TfidfVectorizer(max_features=job.get("textMaxFeatures", 200))
            transformers.append((f"text:{f['name']}", tfidf, f["name"]))
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0)


def design_rank(job, train):
    """For an unregularised linear model: the rank of [1 | preprocessed features] and the rank it should
    have (one less per one-hot group, whose columns always sum to the intercept's, and per constant column)."""
    import numpy as np

    X = preprocessor(job).fit_transform(train)
    A = np.hstack([np.ones((X.shape[0], 1)), X])
    groups = sum(1 for f in job["features"] if f["kind"] == "categorical")
    constant = int(np.sum(np.all(X == X[0:1, :], axis=0))) if X.shape[0] else 0
    return {"rank": int(np.linalg.matrix_rank(A)), "expected": int(A.shape[1] - groups - constant), "columns": int(A.shape[1])}


def full_proba(job, model, X):
    """Class probabilities with one column per job class, even when a fold lacked some class."""
    import numpy as np

    if job["taskType"] != "classification" or not hasattr(model, "predict_proba"):
        return None
    try:
        p = model.predict_proba(X)
    except (AttributeError, NotImplementedError):
        return None
    out = np.zeros((len(X), len(job["classes"])))
    out[:, np.asarray(model.classes_, dtype=int)] = p
    return out


def score(metric, job, y_true, pred, proba):
    import numpy as np
    from sklearn import metrics as m

    k = len(job.get("classes") or [])
    if metric == "accuracy":
        return float(m.accuracy_score(y_true, pred))
    if metric in ("f1_macro", "precision_macro", "recall_macro"):
        fn = {"f1_macro": m.f1_score, "precision_macro": m.precision_score, "recall_macro": m.recall_score}[metric]
        return float(fn(y_true, pred, average="macro", labels=sorted(set(y_true.tolist())), zero_division=0))
    if metric in ("roc_auc", "log_loss"):
        if proba is None:
            fail(f"the metric {metric} needs class probabilities, which this model does not give")
        if metric == "log_loss":
            return float(m.log_loss(y_true, proba, labels=list(range(k))))
        present = sorted(set(y_true.tolist()))
        if k == 2:
            return float(m.roc_auc_score(y_true, proba[:, 1]))
        aucs = [m.roc_auc_score(y_true == c, proba[:, c]) for c in present if 0 < (y_true == c).sum() < len(y_true)]
        return float(np.mean(aucs)) if aucs else float("nan")
    if metric == "r2":
        return float(m.r2_score(y_true, pred))
    if metric == "rmse":
        return float(math.sqrt(m.mean_squared_error(y_true, pred)))
    if metric == "mae":
        return float(m.mean_absolute_error(y_true, pred))
    fail(f"unknown scoring metric {metric}")


def run_search(job, make_model):
    """Scores every candidate (k-fold CV when folds are given, else the holdout), refits the best on all
    training rows, saves it, and writes result.json with the trials and holdout predictions."""
    import joblib
    import numpy as np
    from sklearn.base import clone

    train = read_frame(job, job["train"])
    y = target_of(job, job["train"])
    holdout = read_frame(job, job["holdout"]) if job.get("holdout") else None
    y_hold = target_of(job, job["holdout"]) if job.get("holdout") else None
    folds = np.asarray(job["folds"]) if job.get("folds") else None
    candidates = job["candidates"]
    metric = job["scoring"]
    higher = job["higherIsBetter"]
    n_folds = int(folds.max()) + 1 if folds is not None else 1
    total = len(candidates) * n_folds + 1
    done = 0
    started = time.monotonic()
    last_sent = [-math.inf]

    def progress(label):
        """At most every half second (and always the last unit), with the time left at the mean pace so far."""
        now = time.monotonic()
        if done < total - 1 and now - last_sent[0] < 0.5:
            return
        last_sent[0] = now
        left = total - 1 - done
        eta = f", {format_eta((now - started) / done * left)}" if left > 0 and done else ""
        emit("progress", round(done / total, 4), f"{label}{eta}")

    trials = []
    for t, params in enumerate(candidates):
        try:
            template = make_model(job, params)
        except (TypeError, ValueError) as e:
            fail(f"candidate {t} has invalid hyperparameters {json.dumps(params)}: {e}")
        fold_scores = []
        if folds is not None:
            for f in range(n_folds):
                model = clone(template)
                fit_mask = folds != f
                model.fit(train[fit_mask], y[fit_mask])
                Xv = train[~fit_mask]
                fold_scores.append(score(metric, job, y[~fit_mask], model.predict(Xv), full_proba(job, model, Xv)))
                done += 1
                progress(f"trial {t + 1}/{len(candidates)} fold {f + 1}/{n_folds}")
            value = float(np.mean(fold_scores))
        else:
            model = clone(template)
            model.fit(train, y)
            value = score(metric, job, y_hold, model.predict(holdout), full_proba(job, model, holdout))
            done += 1
            progress(f"trial {t + 1}/{len(candidates)}")
        trials.append({"params": params, "score": value, "foldScores": fold_scores})
        emit("metric", f"trial_{t}_{metric}", value)
    scores = [tr["score"] if not math.isnan(tr["score"]) else (-math.inf if higher else math.inf) for tr in trials]
    best = int(np.argmax(scores) if higher else np.argmin(scores))
    model = make_model(job, candidates[best])
    model.fit(train, y)
    emit("progress", 1.0, "refit best candidate")
    joblib.dump(model, job["outputDir"] + "/model.joblib")
    result = {"trials": trials, "best": best, "holdout": None}
    if job["algorithm"] == "linear_regression" and job["framework"] == "sklearn":
        result["design"] = design_rank(job, train)
    if holdout is not None:
        pred = model.predict(holdout)
        proba = full_proba(job, model, holdout)
        result["holdout"] = {
            "predictions": [int(p) if job["taskType"] == "classification" else float(p) for p in pred],
            "proba": proba.tolist() if proba is not None else None,
        }
    with open(job["result"], "w", encoding="utf-8") as f:
        json.dump(result, f)
