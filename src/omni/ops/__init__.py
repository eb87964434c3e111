"""Operations: the commands behind `omni` (serve, worker, up, demo, bench, check)."""
