"""The hotline's pure core: places, structured templates and their rendering per reader."""
