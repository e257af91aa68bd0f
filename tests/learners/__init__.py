"""Real learners' backprop formulas (the catalogue in :mod:`tests.learners.cases`) and the tests
that hold the catalogue to the course's mathematics and measure the checker against it."""
