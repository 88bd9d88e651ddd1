// The virtio entropy device (VIRTIO 1.2 section 5.4 "Entropy Device"): one request queue of
// device-writable buffers, filled from the EntropyPort. No feature bits, no configuration space.

import * as C from '../../state-check';
import { AccessSize, DeviceState } from '../device';
import { EntropyPort } from '../../ports';
import { VirtioBackend } from './mmio';
import { SplitVirtqueue } from './queue';

export const VIRTIO_ID_ENTROPY = 4;
export const RNG_QUEUE_SIZE = 64;
/**
 * The most bytes given per request: "The device MUST place one or more random bytes into the buffer,
 * but it MAY use less than the entire buffer length." This bounds what a guest can make the host
 * allocate; Linux asks for far less.
 */
export const RNG_MAX_FILL = 0x1_0000;

export class VirtioRng implements VirtioBackend {
  readonly deviceId = VIRTIO_ID_ENTROPY;
  readonly features = 0n;
  readonly numQueues = 1;
  readonly queueNumMax = RNG_QUEUE_SIZE;
  readonly configSize = 0;

  constructor(private readonly port: EntropyPort) {}

  readConfig(_offset: number, _size: AccessSize): number {
    return 0;
  }

  writeConfig(): void {}

  notify(queue: SplitVirtqueue): void {
    // A queue's worth of requests at most (see VirtioBlock.notify).
    for (let k = 0; k < queue.size; k++) {
      const chain = queue.pop();
      if (chain === null) return;
      // Device-readable buffers (which a driver "MUST NOT" place here) are ignored.
      const n = Math.min(chain.writableLength, RNG_MAX_FILL);
      const data = new Uint8Array(n);
      if (n > 0) this.port.fill(data);
      if (!chain.write(0, data)) return;
      queue.push(chain, n);
    }
  }

  reset(): void {}

  snapshot(): DeviceState {
    return {};
  }

  restore(): void {}

  checkState(state: unknown, path: string): void {
    C.fields(state, path, []);
  }
}
