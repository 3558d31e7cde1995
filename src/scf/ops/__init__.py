"""Operations past one machine: the scheduler's jobs, run by whichever scheduler leads."""
