# Batch normalisation (course 2, week 3) as NumPy statements; G stands for the gradient that
# arrives from the layers above (J = Σ Z_tilde ⊙ G has dZ_tilde = G). chainrule reads this file,
# never runs it:
#
#   chainrule model examples/batchnorm.py --shape Z=n,m --shape gamma=n,1 --shape beta=n,1 \
#       --shape G=n,m --wrt Z,gamma,beta --const eps=1e-5
mu = np.mean(Z, axis=1, keepdims=True)
var = np.var(Z, axis=1, keepdims=True)
Z_norm = (Z - mu) / np.sqrt(var + eps)
Z_tilde = gamma * Z_norm + beta
J = np.sum(Z_tilde * G)
