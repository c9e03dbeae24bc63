"""The scikit-learn script a person would write instead of pipewright's train.tabular, for npm run bench -- train.

Usage: python3 train-direct.py <job.json>. The job names a CSV file, the target, the task, the model family
and its parameters, the numeric / categorical / date columns, the folds and the seed. The script holds out
20 % (stratified for classification), cross-validates on the rest with (Stratified)KFold, refits and scores
the holdout: the same protocol as train.tabular, with scikit-learn's own splits. Prints one JSON line.
"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

FAMILIES = {
    ("classification", "random_forest"): RandomForestClassifier,
    ("regression", "random_forest"): RandomForestRegressor,
    ("classification", "gradient_boosting"): HistGradientBoostingClassifier,
    ("regression", "gradient_boosting"): HistGradientBoostingRegressor,
}


def main():
    job = json.load(open(sys.argv[1], encoding="utf-8"))
    df = pd.read_csv(job["csv"])
    df = df[df[job["target"]].notna()]
    numeric = list(job["numeric"])
    for col in job["dates"]:
        d = pd.to_datetime(df[col], errors="coerce")
        parts = {"year": d.dt.year, "month": d.dt.month, "day": d.dt.day, "dayofweek": d.dt.dayofweek}
        if job.get("hour"):
            parts["hour"] = d.dt.hour
        for name, values in parts.items():
            df[f"{col}_{name}"] = values
            numeric.append(f"{col}_{name}")
    X = df[numeric + job["categorical"]]
    y = df[job["target"]].astype(str) if job["task"] == "classification" else df[job["target"]]
    clf = job["task"] == "classification"
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=job["seed"], stratify=y if clf else None
    )
    pre = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), numeric),
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore", max_categories=50, sparse_output=False)),
                    ]
                ),
                job["categorical"],
            ),
        ]
    )
    model = Pipeline([("pre", pre), ("model", FAMILIES[(job["task"], job["family"])](random_state=job["seed"], **job["params"]))])
    folds = (StratifiedKFold if clf else KFold)(n_splits=job["folds"], shuffle=True, random_state=job["seed"])
    scoring = "accuracy" if clf else "r2"
    cv = cross_val_score(model, X_train, y_train, cv=folds, scoring=scoring)
    model.fit(X_train, y_train)
    holdout = model.score(X_test, y_test)
    print(json.dumps({"cv": float(np.mean(cv)), "cv_std": float(np.std(cv)), "holdout": float(holdout)}))


if __name__ == "__main__":
    main()
