"""pipewright training runner for scikit-learn and XGBoost.

Usage: python3 runner.py <job.json>. The job (written by tools/train/tabular.ts) names the CSV files, the
feature kinds, the class list, the folds and the candidate hyperparameters. Writes model.joblib (an sklearn
Pipeline: ColumnTransformer preprocessing + estimator) into job.outputDir and the trials to job.result.
"""
import os
import sys

from common import emit, fail, load_job, preprocessor, require, run_search

SKLEARN = {
    "classification": {
        "random_forest": ("sklearn.ensemble", "RandomForestClassifier"),
        "extra_trees": ("sklearn.ensemble", "ExtraTreesClassifier"),
        "gradient_boosting": ("sklearn.ensemble", "HistGradientBoostingClassifier"),
        "logistic_regression": ("sklearn.linear_model", "LogisticRegression"),
        "decision_tree": ("sklearn.tree", "DecisionTreeClassifier"),
        "knn": ("sklearn.neighbors", "KNeighborsClassifier"),
        "naive_bayes": ("sklearn.naive_bayes", "GaussianNB"),
        "svm": ("sklearn.svm", "SVC"),
    },
    "regression": {
        "random_forest": ("sklearn.ensemble", "RandomForestRegressor"),
        "extra_trees": ("sklearn.ensemble", "ExtraTreesRegressor"),
        "gradient_boosting": ("sklearn.ensemble", "HistGradientBoostingRegressor"),
        "linear_regression": ("sklearn.linear_model", "LinearRegression"),
        "ridge": ("sklearn.linear_model", "Ridge"),
        "lasso": ("sklearn.linear_model", "Lasso"),
        "decision_tree": ("sklearn.tree", "DecisionTreeRegressor"),
        "knn": ("sklearn.neighbors", "KNeighborsRegressor"),
        "svm": ("sklearn.svm", "SVR"),
    },
}
DEFAULTS = {"logistic_regression": {"max_iter": 1000}, "svm": {"probability": True}}


def estimator(job, params):
    import importlib

    algo, task = job["algorithm"], job["taskType"]
    params = dict(params)
    if job["framework"] == "xgboost":
        if algo not in ("gradient_boosting", "xgboost"):
            fail(f'xgboost trains algorithm "gradient_boosting"; got "{algo}"')
        import xgboost

        cls = xgboost.XGBClassifier if task == "classification" else xgboost.XGBRegressor
        if os.environ.get("CUDA_VISIBLE_DEVICES") and "device" not in params:
            params["device"] = "cuda"
        params.setdefault("n_jobs", job.get("threads", 1))
        params.setdefault("random_state", job["seed"])
        return cls(**params)
    spec = SKLEARN[task].get(algo)
    if spec is None:
        fail(f'scikit-learn has no {task} algorithm "{algo}" here; choose one of {", ".join(SKLEARN[task])}')
    cls = getattr(importlib.import_module(spec[0]), spec[1])
    merged = {**DEFAULTS.get(algo, {}), **params}
    est = cls(**merged)
    if "random_state" in est.get_params() and "random_state" not in merged:
        est.set_params(random_state=job["seed"])
    return est


def make_model(job, params):
    from sklearn.pipeline import Pipeline

    scale = job["framework"] != "xgboost"
    return Pipeline([("preprocess", preprocessor(job, scale=scale)), ("model", estimator(job, params))])


def main():
    job = load_job(sys.argv[1])
    require("numpy", "pandas", "sklearn", "joblib")
    if job["framework"] == "xgboost":
        require("xgboost")
    emit("progress", 0, "data loaded")
    run_search(job, make_model)


if __name__ == "__main__":
    main()
