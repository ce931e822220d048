"""The slug compiler: detect, stack, install dependencies, assemble the slug image."""
