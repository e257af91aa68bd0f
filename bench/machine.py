"""What the benchmark ran on: CPU, library versions, BLAS build and thread counts."""

from __future__ import annotations

import ctypes
import os
import platform

import numpy as np

_ENV_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "GOTO", "XLA_", "JAX_", "KMP_")


def cpu_model() -> str:
    """The ``model name`` line of /proc/cpuinfo (or the platform's processor string)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _openblas_lib():
    """NumPy's loaded OpenBLAS as a ctypes library and its symbol prefix/suffix, or None."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths, key=lambda p: "numpy" not in p):
        lib = ctypes.CDLL(path)
        for pre, suf in (("scipy_openblas_", "64_"), ("openblas_", "64_"), ("openblas_", "")):
            if hasattr(lib, f"{pre}get_num_threads{suf}"):
                return path, lib, pre, suf
    return None


def openblas_info() -> dict | None:
    """OpenBLAS config string, core kernel and thread count, read through ctypes."""
    found = _openblas_lib()
    if found is None:
        return None
    path, lib, pre, suf = found
    info = {"library": os.path.basename(path)}
    for name in ("get_config", "get_corename"):
        fn = getattr(lib, f"{pre}{name}{suf}", None)
        if fn is not None:
            fn.restype = ctypes.c_char_p
            info[name[4:]] = fn().decode()
    info["threads"] = getattr(lib, f"{pre}get_num_threads{suf}")()
    return info


def set_openblas_threads(n: int) -> bool:
    """Set NumPy's OpenBLAS thread count through ctypes; False if OpenBLAS was not found."""
    found = _openblas_lib()
    if found is None:
        return False
    _, lib, pre, suf = found
    getattr(lib, f"{pre}set_num_threads{suf}")(n)
    return True


def limit_xla_threads(n: int) -> bool:
    """For ``n == 1``, switch XLA's CPU backend to one thread (effective before JAX starts).

    XLA has no flag for other counts; returns False (nothing changed) then.
    """
    if n != 1:
        return False
    flags = "--xla_cpu_multi_thread_eigen=false"
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()
    return True


def threadpool_info() -> list | None:
    """threadpoolctl's view of the loaded BLAS/OpenMP pools, if threadpoolctl is installed."""
    try:
        from threadpoolctl import threadpool_info as info
    except ImportError:
        return None
    keep = ("user_api", "internal_api", "version", "num_threads", "architecture")
    return [{k: d.get(k) for k in keep} for d in info()]


def numpy_blas_threads() -> int:
    """Threads NumPy's BLAS uses (threadpoolctl, else OpenBLAS via ctypes, else CPU count)."""
    pools = threadpool_info() or []
    for pool in pools:
        if pool.get("user_api") == "blas":
            return int(pool["num_threads"])
    info = openblas_info()
    return int(info["threads"]) if info else (os.cpu_count() or 1)


def _numpy_build() -> dict:
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]
        return {k: {f: deps[k].get(f) for f in ("name", "version")} for k in ("blas", "lapack")}
    except Exception as exc:  # numpy < 1.26 or unexpected layout
        return {"error": repr(exc)}


def _torch_info() -> dict | None:
    try:
        import torch
    except ImportError:
        return None
    cfg = torch.__config__.show()
    blas = next((p.split("=")[1] for p in cfg.replace(",", " ").split() if "BLAS_INFO=" in p), "?")
    return {
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "blas": blas,
        "mkldnn": torch.backends.mkldnn.is_available(),
    }


def _jax_info() -> dict | None:
    try:
        import jax
        import jaxlib
    except ImportError:
        return None
    return {
        "version": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "devices": [str(d) for d in jax.devices()],
        "threads": "1 (XLA_FLAGS --xla_cpu_multi_thread_eigen=false)"
        if "xla_cpu_multi_thread_eigen=false" in os.environ.get("XLA_FLAGS", "")
        else f"XLA CPU default (≈ {os.cpu_count()} cores)",
    }


def machine_info() -> dict:
    """Everything above in one JSON-able dict."""
    return {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": {"version": np.__version__, "build": _numpy_build(), "openblas": openblas_info()},
        "numpy_blas_threads": numpy_blas_threads(),
        "threadpoolctl": threadpool_info(),
        "torch": _torch_info(),
        "jax": _jax_info(),
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(_ENV_PREFIXES)},
    }
