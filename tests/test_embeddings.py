"""The static model loaded without model2vec's hub code is the model ``from_pretrained`` loads."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from mentortrack.analytics import embeddings
from mentortrack.analytics.corpus import real_corpus


def test_static_model_embeds_as_from_pretrained_does() -> None:
    from model2vec import StaticModel

    reference = StaticModel.from_pretrained(str(embeddings.static_model_dir()))
    model = embeddings.static_model()
    texts = ["", "ok", "Mentor was late, shortened our discussion time", "x " * 600,
             *real_corpus()["text"].drop_duplicates().sample(n=300, random_state=2)]
    assert (model.dim, model.normalize, model.max_length) == (reference.dim, reference.normalize, reference.max_length)
    assert np.array_equal(model.encode(texts), reference.encode(texts))


def test_loading_it_does_not_import_huggingface_hub() -> None:
    code = ("import sys\n"
            "from mentortrack.analytics.embeddings import embed\n"
            "print(embed(['good advice']).shape, 'huggingface_hub' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[0] == "(1, 256) False"
