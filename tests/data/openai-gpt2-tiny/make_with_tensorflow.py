"""How the files beside this script were made: with TensorFlow 2.21 (not a dependency of the course), run once as
`python make_with_tensorflow.py .`. tests/course/test_gpt2_checkpoint.py reads them without TensorFlow."""
import json
import sys
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
d, v, c, L, H = 4, 10, 5, 2, 2
shapes = {"model/wte": (v, d), "model/wpe": (c, d), "model/ln_f/g": (d,), "model/ln_f/b": (d,)}
for i in range(L):
    p = f"model/h{i}/"
    shapes.update({p+"ln_1/g": (d,), p+"ln_1/b": (d,), p+"attn/c_attn/w": (1, d, 3*d), p+"attn/c_attn/b": (3*d,),
                   p+"attn/c_proj/w": (1, d, d), p+"attn/c_proj/b": (d,), p+"ln_2/g": (d,), p+"ln_2/b": (d,),
                   p+"mlp/c_fc/w": (1, d, 4*d), p+"mlp/c_fc/b": (4*d,),
                   p+"mlp/c_proj/w": (1, 4*d, d), p+"mlp/c_proj/b": (d,)})
def value(name, shape):
    n = int(np.prod(shape))
    k = sum(map(ord, name))
    return (((np.arange(n) * 7 + k) % 23 - 11) / 16).astype(np.float32).reshape(shape)
vars_ = [tf.compat.v1.Variable(value(k, s), name=k) for k, s in shapes.items()]
saver = tf.compat.v1.train.Saver()
with tf.compat.v1.Session() as s:
    s.run(tf.compat.v1.global_variables_initializer())
    saver.save(s, sys.argv[1] + "/model.ckpt", write_meta_graph=False)
json.dump({"n_vocab": v, "n_ctx": c, "n_embd": d, "n_head": H, "n_layer": L}, open(sys.argv[1] + "/hparams.json", "w"))
