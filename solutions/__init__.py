"""Reference solutions of the autoencoders course: importable, runnable, the graders' truth.

Run them with `python -m solutions train {autoencoder,stacked,vae}` (the conditional VAE of
exercise 04: `solutions.ConditionalVAE`); see README.md.
"""

from .analysis import (
    add_noise,
    choose_threshold,
    encode,
    interpolate,
    pca_reconstruction_mse,
    reconstruction_error,
    set_seed,
    vae_elbo_parts,
)
from .autoencoder import Autoencoder
from .conditional_vae import ConditionalVAE, build_decoder, build_encoder, transfer_style
from .data import Dataset, DatasetUnavailableError, load_dataset, read_idx
from .stacked import StackedAutoencoder, build_mlp_classifier
from .vae import VAE, Sampling, kl_divergence, reconstruction_loss

__all__ = [
    "add_noise",
    "choose_threshold",
    "Autoencoder",
    "ConditionalVAE",
    "Dataset",
    "DatasetUnavailableError",
    "Sampling",
    "StackedAutoencoder",
    "VAE",
    "build_decoder",
    "build_encoder",
    "build_mlp_classifier",
    "encode",
    "interpolate",
    "kl_divergence",
    "load_dataset",
    "pca_reconstruction_mse",
    "read_idx",
    "reconstruction_error",
    "set_seed",
    "transfer_style",
    "reconstruction_loss",
    "vae_elbo_parts",
]
