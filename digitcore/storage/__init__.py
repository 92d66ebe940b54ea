"""Where things live on disk: paths and settings, datasets read by path (MNIST), atomic writes,
run names, locks and files, the models folder listing, and the class's database (``class_store``,
``class_saver``, ``teacher``).

The bottom layer: imports nothing else of digitcore.
"""
