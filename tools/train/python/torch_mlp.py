"""A small multilayer perceptron for tabular data with a scikit-learn interface, so it slots into the same
Pipeline, search loop and serving process as the scikit-learn models. Uses CUDA when available."""
import numpy as np
import torch
from sklearn.base import BaseEstimator


def _device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TorchMLP(BaseEstimator):
    def __init__(self, task="classification", n_classes=2, hidden=(64, 64), epochs=100, lr=1e-3,
                 batch_size=64, weight_decay=0.0, dropout=0.0, seed=42):
        self.task = task
        self.n_classes = n_classes
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.seed = seed

    def _build(self, n_in):
        layers, width = [], n_in
        for h in self.hidden:
            layers += [torch.nn.Linear(width, int(h)), torch.nn.ReLU()]
            if self.dropout:
                layers.append(torch.nn.Dropout(self.dropout))
            width = int(h)
        n_out = self.n_classes if self.task == "classification" else 1
        layers.append(torch.nn.Linear(width, n_out))
        return torch.nn.Sequential(*layers)

    def fit(self, X, y):
        torch.manual_seed(self.seed)
        device = _device()
        X = torch.as_tensor(np.asarray(X, dtype=np.float32), device=device)
        if self.task == "classification":
            self.classes_ = np.arange(self.n_classes)
            t = torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
            loss_fn = torch.nn.CrossEntropyLoss()
        else:
            t = torch.as_tensor(np.asarray(y, dtype=np.float32).reshape(-1, 1), device=device)
            self.y_mean_, self.y_std_ = float(t.mean()), float(t.std()) or 1.0
            t = (t - self.y_mean_) / self.y_std_
            loss_fn = torch.nn.MSELoss()
        self.n_in_ = X.shape[1]
        self.net_ = self._build(self.n_in_).to(device)
        opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        gen = torch.Generator(device="cpu").manual_seed(self.seed)
        for _ in range(int(self.epochs)):
            self.net_.train()
            order = torch.randperm(len(X), generator=gen).to(device)
            for i in range(0, len(X), int(self.batch_size)):
                idx = order[i:i + int(self.batch_size)]
                opt.zero_grad()
                loss = loss_fn(self.net_(X[idx]), t[idx])
                loss.backward()
                opt.step()
        return self

    def _forward(self, X):
        device = next(self.net_.parameters()).device
        self.net_.eval()
        with torch.no_grad():
            return self.net_(torch.as_tensor(np.asarray(X, dtype=np.float32), device=device)).cpu()

    def predict_proba(self, X):
        return torch.softmax(self._forward(X), dim=1).numpy()

    def predict(self, X):
        out = self._forward(X)
        if self.task == "classification":
            return out.argmax(dim=1).numpy()
        return (out.numpy().reshape(-1) * self.y_std_) + self.y_mean_

    def __getstate__(self):
        state = self.__dict__.copy()
        if "net_" in state:
            state["net_"] = {k: v.cpu() for k, v in self.net_.state_dict().items()}
        return state

    def __setstate__(self, state):
        net = state.pop("net_", None)
        self.__dict__.update(state)
        if net is not None:
            self.net_ = self._build(self.n_in_)
            self.net_.load_state_dict(net)
            self.net_.to(_device())
