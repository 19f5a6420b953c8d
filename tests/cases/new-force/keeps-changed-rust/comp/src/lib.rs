my own code, not the stub
