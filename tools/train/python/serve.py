"""Warm prediction process for Python-trained models.

Usage: python3 serve.py <model dir>. Loads <model dir>/model.joblib once, prints {"ready": true}, then answers
one JSON request per stdin line: {"id": 1, "op": "predict" | "predict_proba", "rows": [{...}, ...]} with
{"id": 1, "ok": true, "predictions": [...], "proba": [[...]] | null} or {"id": 1, "ok": false, "error": "..."}.
Library output is sent to stderr so stdout carries only responses.
"""
import json
import os
import sys

OUT = sys.stdout
sys.stdout = sys.stderr


def reply(obj):
    OUT.write(json.dumps(obj) + "\n")
    OUT.flush()


def main():
    model_dir = sys.argv[1]
    for name in ("numpy", "pandas", "joblib"):
        try:
            __import__(name)
        except ImportError:
            reply({"ready": False, "missing": name})
            sys.exit(3)
    import joblib
    import numpy as np
    import pandas as pd

    from common import frame_for

    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as f:
        meta = json.load(f)
    job = {"features": meta["pythonFeatures"], "taskType": meta["taskType"]}
    try:
        model = joblib.load(os.path.join(model_dir, "model.joblib"))
    except ModuleNotFoundError as e:
        reply({"ready": False, "missing": e.name})
        sys.exit(3)
    reply({"ready": True, "pid": os.getpid()})
    for line in sys.stdin:
        if not line.strip():
            continue
        req = {}
        try:
            req = json.loads(line)
            X = frame_for(job, pd.DataFrame.from_records(req["rows"], columns=[f["name"] for f in job["features"]]))
            pred = model.predict(X)
            proba = None
            if req.get("op") == "predict_proba" and hasattr(model, "predict_proba"):
                proba = np.asarray(model.predict_proba(X)).tolist()
            reply({"id": req.get("id"), "ok": True, "predictions": np.asarray(pred).tolist(), "proba": proba})
        except Exception as e:  # one bad request must not take the process down
            reply({"id": req.get("id") if isinstance(req, dict) else None, "ok": False, "error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
