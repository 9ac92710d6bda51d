"""Benchmark of the reference models: training speed against a functional twin, and quality.

For each reference model (Autoencoder, StackedAutoencoder, VAE) this script builds a plain Keras
functional model with the same layers, compiles both the same way, and times `fit` on both in
the same run, in alternating rounds so that other load on the machine hits both alike. It then
reports, for the reference model: held-out reconstruction MSE against PCA with as many
components as the code, and for the VAE the held-out negative ELBO in nats.

Run it from the repository root:

    python benchmarks/models.py --dataset digits
    python benchmarks/models.py --dataset /path/to/mnist      # folder of idx.gz files, or .npz

Example output (MNIST test set, 2 CPU cores; see BENCHMARKS.md):

    autoencoder  fit samples/s (median round): reference  32,583  functional  31,529  ratio 0.999
                 (ratio of best rounds 1.083; per CPU-second 1.005; noise floor, ...: 0.978)
                 forward+backward graph: 80 ops (reference), 80 (functional), same op types: yes
                 held-out MSE 0.0100 vs PCA(32) 0.0174: ratio 0.58 after 40 epochs

The speed ratio is the median over rounds of reference / functional samples per second, each pair
measured back to back. The same ratio between two identical reference models ("noise floor")
shows how much of a difference this machine's load alone produces.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from solutions import (
    VAE,
    Autoencoder,
    Sampling,
    StackedAutoencoder,
    kl_divergence,
    load_dataset,
    pca_reconstruction_mse,
    reconstruction_error,
    reconstruction_loss,
    set_seed,
    vae_elbo_parts,
)
from solutions._keras import keras, layers, ops

MODELS = ("autoencoder", "stacked", "vae")


# --- functional twins --------------------------------------------------------------------------


def functional_autoencoder(input_dim, latent_dim, hidden_units, activation="relu"):
    """`Autoencoder`'s layers as one functional model."""
    inputs = keras.Input(shape=(input_dim,))
    hidden = inputs
    for units in hidden_units:
        hidden = layers.Dense(units, activation=activation)(hidden)
    hidden = layers.Dense(latent_dim)(hidden)
    for units in hidden_units[::-1]:
        hidden = layers.Dense(units, activation=activation)(hidden)
    outputs = layers.Dense(input_dim, activation="sigmoid")(hidden)
    return keras.Model(inputs, outputs, name="functional_autoencoder")


def functional_stacked(input_dim, layer_units, activation="relu"):
    """`StackedAutoencoder`'s layers: encoder layers, linear inner decoders, sigmoid output."""
    inputs = keras.Input(shape=(input_dim,))
    hidden = inputs
    for units in layer_units:
        hidden = layers.Dense(units, activation=activation)(hidden)
    sizes = (input_dim, *layer_units)
    for k in reversed(range(len(layer_units))):
        hidden = layers.Dense(sizes[k], activation="sigmoid" if k == 0 else None)(hidden)
    return keras.Model(inputs, hidden, name="functional_stacked")


class KLDivergenceLoss(layers.Layer):
    """Adds the batch mean of KL(q(z|x) || N(0, I)) as a loss; passes z_mean through."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        self.add_loss(ops.mean(kl_divergence(z_mean, z_log_var)))
        return z_mean


def functional_vae(input_dim, latent_dim, hidden_units, seed, activation="relu"):
    """`VAE`'s layers as one functional model, the KL term added by a layer."""
    inputs = keras.Input(shape=(input_dim,))
    hidden = inputs
    for units in hidden_units:
        hidden = layers.Dense(units, activation=activation)(hidden)
    z_mean = layers.Dense(latent_dim)(hidden)
    z_log_var = layers.Dense(latent_dim)(hidden)
    z = Sampling(seed=seed)([KLDivergenceLoss()([z_mean, z_log_var]), z_log_var])
    hidden = z
    for units in hidden_units[::-1]:
        hidden = layers.Dense(units, activation=activation)(hidden)
    outputs = layers.Dense(input_dim, activation="sigmoid")(hidden)
    return keras.Model(inputs, outputs, name="functional_vae")


def gradient_graph_ops(model, input_dim) -> collections.Counter:
    """Op types in the graph of one forward and backward pass (loss: MSE plus model losses).

    Two models with the same counts do the same work per step: a speed gap between them is
    overhead outside the graph, or noise.
    """
    import tensorflow as tf

    model(np.zeros((1, input_dim), dtype="float32"))  # builds a subclassed model

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - x))
            loss += tf.add_n(model.losses) if model.losses else 0.0
        return tape.gradient(loss, model.trainable_variables)

    graph = step.get_concrete_function(tf.TensorSpec((None, input_dim), tf.float32)).graph
    return collections.Counter(operation.type for operation in graph.get_operations())


def paired_ratio(rates, other_rates) -> float:
    """Median over rounds of rate / other rate: each pair ran back to back, under the same load."""
    return statistics.median(a / b for a, b in zip(rates, other_rates))


def parameter_count(model) -> int:
    return int(sum(np.prod(variable.shape) for variable in model.trainable_weights))


# --- measurement -------------------------------------------------------------------------------


def make_pipeline(x, batch_size, kind, seed):
    """What `fit` consumes: the arrays themselves, or a cached, batched tf.data pipeline."""
    if kind == "arrays":
        return {"x": x, "y": x, "batch_size": batch_size, "shuffle": True}
    import tensorflow as tf

    dataset = (
        tf.data.Dataset.from_tensor_slices((x, x))
        .cache()
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    return {"x": dataset, "shuffle": False}  # shuffled by the pipeline itself


def compile_model(model, loss, args):
    model.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate),
        loss=loss,
        steps_per_execution=args.steps_per_execution,
        jit_compile={"auto": "auto", "on": True, "off": False}[args.jit_compile],
    )


def time_fit(models, inputs, n_examples, args):
    """Samples per second of `fit` for each model, over alternating rounds.

    The first epoch of each model traces and compiles its training step; it is run before the
    clock starts. Each round then fits every model `epochs_per_round` epochs, in an order that
    rotates between rounds. Both wall-clock time and this process's CPU time are recorded:
    on a shared machine the wall clock also counts time other processes took.

    Returns:
        `{name: {"wall": [samples/s per round], "cpu": [samples/CPU-second per round]}}`.
    """
    for model in models.values():
        model.fit(**inputs, epochs=1, verbose=0)
    rates = {name: {"wall": [], "cpu": []} for name in models}
    names = list(models)
    for round_index in range(args.rounds):
        shift = round_index % len(names)
        order = names[shift:] + names[:shift]
        for name in order:
            wall, cpu = time.perf_counter(), time.process_time()
            models[name].fit(**inputs, epochs=args.epochs_per_round, verbose=0)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            samples = n_examples * args.epochs_per_round
            rates[name]["wall"].append(samples / wall)
            rates[name]["cpu"].append(samples / cpu)
    return rates


def benchmark(name, data, args):
    set_seed(args.seed)
    x_train, x_test = data.x_train, data.x_test
    inputs = make_pipeline(x_train, args.batch_size, args.pipeline, args.seed)
    hidden = tuple(args.hidden_units)
    result = {"model": name}
    if name == "autoencoder":
        latent = args.latent_dim
        reference = Autoencoder(data.input_dim, latent, hidden)
        twin = functional_autoencoder(data.input_dim, latent, hidden)
        loss = "mse"
    elif name == "stacked":
        latent = args.latent_dim
        layer_units = (*hidden, latent)
        reference = StackedAutoencoder(data.input_dim, layer_units)
        twin = functional_stacked(data.input_dim, layer_units)
        start = time.perf_counter()
        reference.pretrain(
            x_train, epochs=args.pretrain_epochs, batch_size=args.batch_size, verbose=0
        )
        result["pretrain_seconds"] = round(time.perf_counter() - start, 2)
        loss = "mse"
    else:
        latent = args.vae_latent_dim
        reference = VAE(data.input_dim, latent, hidden, seed=args.seed)
        twin = functional_vae(data.input_dim, latent, hidden, seed=args.seed)
        loss = reconstruction_loss
    reference_ops = gradient_graph_ops(reference, data.input_dim)
    result["graph_ops_reference"] = sum(reference_ops.values())
    result["graph_ops_functional"] = sum(gradient_graph_ops(twin, data.input_dim).values())
    result["same_graph_op_types"] = reference_ops == gradient_graph_ops(twin, data.input_dim)
    # A second reference model of the same configuration: the spread between the two is the
    # noise floor of the speed comparison on this machine.
    control = reference.__class__.from_config(reference.get_config())
    if parameter_count(reference) != parameter_count(twin):
        raise RuntimeError(f"the functional twin of {name} does not match its layers")
    for model in (reference, twin, control):
        compile_model(model, loss, args)

    models = {"reference": reference, "functional": twin, "reference_again": control}
    rates = time_fit(models, inputs, len(x_train), args)
    timed_epochs = 1 + args.rounds * args.epochs_per_round
    if args.epochs > timed_epochs:  # the rest of the reference's training, untimed
        reference.fit(**inputs, epochs=args.epochs, initial_epoch=timed_epochs, verbose=0)
    if name == "vae":
        z_mean, _ = reference.encoder.predict(x_test, batch_size=512, verbose=0)
        decoded = ops.convert_to_numpy(reference.decoder(z_mean))
        test_mse = float(np.mean(np.square(x_test - decoded)))
        result.update({f"test_{k}": v for k, v in vae_elbo_parts(reference, x_test).items()})
    else:
        test_mse = float(reconstruction_error(reference, x_test, batch_size=512).mean())
    pca_mse = pca_reconstruction_mse(x_train, x_test, latent)
    result.update({
        "latent_dim": latent,
        "parameters": parameter_count(reference),
        "trained_epochs": max(args.epochs, timed_epochs),
        "timed_epochs_each": args.rounds * args.epochs_per_round,
    })
    for clock in ("wall", "cpu"):
        reference_rates = rates["reference"][clock]
        result.update({
            f"{clock}_reference_samples_per_second": round(statistics.median(reference_rates)),
            f"{clock}_functional_samples_per_second": round(
                statistics.median(rates["functional"][clock])
            ),
            f"{clock}_speed_ratio": paired_ratio(reference_rates, rates["functional"][clock]),
            f"{clock}_speed_ratio_best_rounds": max(reference_rates)
            / max(rates["functional"][clock]),
            f"{clock}_control_ratio": paired_ratio(
                rates["reference_again"][clock], reference_rates
            ),
        })
    result.update({
        "test_mse": test_mse,
        "pca_test_mse": pca_mse,
        "mse_to_pca_ratio": test_mse / pca_mse,
    })
    return result


def describe(result):
    line = (
        f"{result['model']:<12} fit samples/s (median round): "
        f"reference {result['wall_reference_samples_per_second']:>7,}  "
        f"functional {result['wall_functional_samples_per_second']:>7,}  "
        f"ratio {result['wall_speed_ratio']:.3f}"
        f"\n{'':<12} (ratio of best rounds {result['wall_speed_ratio_best_rounds']:.3f}; "
        f"per CPU-second {result['cpu_speed_ratio']:.3f}; noise floor, reference vs an "
        f"identical reference: {result['wall_control_ratio']:.3f})"
        f"\n{'':<12} forward+backward graph: {result['graph_ops_reference']} ops (reference), "
        f"{result['graph_ops_functional']} (functional), same op types: "
        f"{'yes' if result['same_graph_op_types'] else 'NO'}"
        f"\n{'':<12} held-out MSE {result['test_mse']:.4f} vs PCA({result['latent_dim']}) "
        f"{result['pca_test_mse']:.4f}: ratio {result['mse_to_pca_ratio']:.2f} "
        f"after {result['trained_epochs']} epochs"
    )
    if "test_negative_elbo_nats" in result:
        line += (
            f"\n{'':<12} held-out negative ELBO {result['test_negative_elbo_nats']:.2f} nats "
            f"(reconstruction {result['test_reconstruction_nats']:.2f} + "
            f"KL {result['test_kl_nats']:.2f})"
        )
    if "pretrain_seconds" in result:
        line += f"\n{'':<12} greedy pretraining: {result['pretrain_seconds']:.1f} s"
    return line


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        description="Time fit for each reference model against a functional twin; "
        "report held-out MSE against PCA and the VAE's negative ELBO.",
        epilog="example: python benchmarks/models.py --dataset /data/mnist --json out.json",
    )
    parser.add_argument(
        "--dataset", default="digits",
        help="digits, mnist, fashion_mnist, or the path of a local copy (idx.gz folder or .npz)",
    )
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--latent-dim", type=int, default=32, help="autoencoder and stacked")
    parser.add_argument("--vae-latent-dim", type=int, default=2)
    parser.add_argument("--hidden-units", type=int, nargs="+", default=[256])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps-per-execution", type=int, default=32)
    parser.add_argument("--jit-compile", choices=("auto", "on", "off"), default="on")
    parser.add_argument("--pipeline", choices=("arrays", "tf.data"), default="tf.data")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per model")
    parser.add_argument("--epochs-per-round", type=int, default=2)
    parser.add_argument(
        "--epochs", type=int, default=40,
        help="total training epochs of each reference model (the timed ones count)",
    )
    parser.add_argument("--pretrain-epochs", type=int, default=5, help="stacked, per stage")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_arguments(argv)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # retracing notes between models
    data = load_dataset(args.dataset)
    print(
        f"dataset {args.dataset}: {len(data.x_train)} training / {len(data.x_test)} held-out "
        f"examples of {data.input_dim} values; keras {keras.__version__} "
        f"({keras.backend.backend()}), python {platform.python_version()}"
    )
    print(
        f"batch {args.batch_size}, steps_per_execution {args.steps_per_execution}, "
        f"jit_compile {args.jit_compile}, input {args.pipeline}; timed: {args.rounds} rounds x "
        f"{args.epochs_per_round} epoch(s) each after 1 warm-up epoch; {args.epochs} epochs "
        "in all for each reference model"
    )
    results = []
    for name in args.models:
        results.append(benchmark(name, data, args))
        print(describe(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"arguments": vars(args) | {"json": str(args.json)},
                                         "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
