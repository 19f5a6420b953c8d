// my own code, not the stub
int answer(void) { return 42; }
