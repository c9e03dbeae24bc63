"""pipewright training runner for PyTorch: a small MLP (torch_mlp.TorchMLP) behind the same scikit-learn
preprocessing, folds and search loop as runner.py. Uses the GPUs named in CUDA_VISIBLE_DEVICES when CUDA is
available. Usage: python3 torch_runner.py <job.json>."""
import sys

from common import emit, load_job, preprocessor, require, run_search


def make_model(job, params):
    from sklearn.pipeline import Pipeline
    from torch_mlp import TorchMLP

    params = dict(params)
    if "hidden" in params and not isinstance(params["hidden"], (list, tuple)):
        params["hidden"] = (int(params["hidden"]),)
    mlp = TorchMLP(task=job["taskType"], n_classes=max(2, len(job.get("classes") or [])), seed=job["seed"], **params)
    return Pipeline([("preprocess", preprocessor(job)), ("model", mlp)])


def main():
    job = load_job(sys.argv[1])
    require("numpy", "pandas", "sklearn", "joblib", "torch")
    import torch

    emit("progress", 0, "cuda" if torch.cuda.is_available() else "cpu")
    run_search(job, make_model)


if __name__ == "__main__":
    main()
