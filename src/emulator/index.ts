// src/emulator: the machine (harts, bus, devices). It knows nothing about recording or debugging.
export * from './ports';
export * from './virt-map';
