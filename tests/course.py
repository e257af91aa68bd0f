"""The course's 2-4-1 planar network and its six backward equations (week 3), shared by the tests
that check chainrule derives them: the golden strings are written once, here."""

SEED_FLAGS = ["--layers", "2,4,1", "--hidden", "tanh", "--output", "sigmoid", "--loss", "bce"]
SIX_EQUATIONS = [
    "dZ[2] = A[2] − Y",
    "dW[2] = (1/m) dZ[2] A[1]ᵀ",
    "db[2] = (1/m) Σ dZ[2]",
    "dZ[1] = W[2]ᵀ dZ[2] ⊙ (1 − A[1]²)",
    "dW[1] = (1/m) dZ[1] Xᵀ",
    "db[1] = (1/m) Σ dZ[1]",
]
