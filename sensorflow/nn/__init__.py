"""Small neural-network pieces trained with numpy alone (no deep-learning framework needed
on the host): the temporal convolutional network behind the ``conv1d`` model stage."""
