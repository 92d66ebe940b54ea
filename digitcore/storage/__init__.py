"""Where things live on disk: paths and settings, datasets read by path (MNIST), atomic writes,
run names, locks and files, and the models folder listing (later the class's database).

The bottom layer: imports nothing else of digitcore.
"""
