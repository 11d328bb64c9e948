"""Notebooks as learners leave them, for the notebook tests of tests/unit/ and tests/integration/."""
import json
from pathlib import Path

from grader.notebooks import layout


def cells_of(path):
    return json.loads(Path(path).read_text())["cells"]


def write_nb(path, cells, metadata=None):
    doc = {"cells": cells, "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5}
    Path(path).write_text(json.dumps(doc), encoding="utf-8")
    return Path(path)


def tagged(cells, tag):
    return next(c for c in cells if tag in c["metadata"].get("tags", []))


def learner_mess(course, folder):
    """The reference ch03 notebook as learners leave notebooks: cells in reverse order, outputs saved, magics
    and shell lines, a %%time cell, try-out lines in a tagged cell, an untagged scratch cell, one exercise's
    cell deleted, one copied and changed, one turned into Markdown, a bug at a known line, and a function
    of another module used without importing it (it works in the notebook, not in the module)."""
    cells = cells_of(course.root / layout.REFERENCE_DIR / "ch03.ipynb")
    softmax = tagged(cells, "ch03.softmax_naive")
    softmax["source"] = "%matplotlib inline\n!pip install tiktoken\n" + "".join(softmax["source"])
    simple = tagged(cells, "ch03.simple_attention")
    simple["source"] = "%%time\n" + "".join(simple["source"])
    causal = tagged(cells, "ch03.causal_attention")
    causal["source"] = "".join(causal["source"]) + ("\n\nca = CausalAttention(3, 2, 6, 0.0)\nprint(ca(inputs))\n"
                                                    "EPS = 1e-9\nHEADS = [1, 2]\n")
    v2 = tagged(cells, "ch03.self_attention_v2")
    v2["source"] = "".join(v2["source"]).replace("torch.softmax(attn_scores", "softmax_naive(attn_scores")
    assert "softmax_naive(" in v2["source"]
    sized = tagged(cells, "ch03.gpt2_sized_attention")
    sized["source"] = "".join(sized["source"]).replace("def gpt2_sized_attention():\n",
                                                        'def gpt2_sized_attention():\n    raise RuntimeError("boom")\n')
    assert "boom" in sized["source"]
    cells.remove(tagged(cells, "ch03.self_attention_v1"))
    copy = json.loads(json.dumps(tagged(cells, "ch03.multihead_wrapper")))
    copy["source"] = "class MultiHeadAttentionWrapper:\n    pass\n"
    copy["id"] = "copied"
    cells.append(copy)
    tagged(cells, "ch03.two_dimensional_wrapper")["cell_type"] = "markdown"
    cells.insert(3, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "id": "scratch",
                     "source": "x = softmax_naive(torch.tensor([1.0, 2.0]))\nprint(x)\n\ndef softmax_naive(x):\n"
                               "    return x\n"})
    for cell in cells:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "tensor([1.])\n"}]
            cell["execution_count"] = 7
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    cells.reverse()
    return write_nb(folder / "my-ch03.ipynb", cells, {"course": {"chapter": "ch03"}}), cells


def number_of(cells, tag):
    return next(i for i, c in enumerate(cells, 1) if tag in c["metadata"].get("tags", []))
