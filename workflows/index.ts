// Every workflow type the worker runs. The bundler starts here.
export {};
