// The DWARF sections of an ELF file, decompressed where the linker compressed them
// (SHF_COMPRESSED with an Elf64_Chdr, ELFCOMPRESS_ZLIB: gABI "Section Compression").

import { unzlibSync } from 'fflate';
import { ElfFile } from '../../elf/elf';
import { DwarfError } from './reader';

export interface DwarfSections {
  info?: Uint8Array;
  abbrev?: Uint8Array;
  line?: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  ranges?: Uint8Array;
  rnglists?: Uint8Array;
  loc?: Uint8Array;
  loclists?: Uint8Array;
  frame?: Uint8Array;
  aranges?: Uint8Array;
}

const NAMES: Record<keyof DwarfSections, string> = {
  info: '.debug_info',
  abbrev: '.debug_abbrev',
  line: '.debug_line',
  str: '.debug_str',
  lineStr: '.debug_line_str',
  strOffsets: '.debug_str_offsets',
  addr: '.debug_addr',
  ranges: '.debug_ranges',
  rnglists: '.debug_rnglists',
  loc: '.debug_loc',
  loclists: '.debug_loclists',
  frame: '.debug_frame',
  aranges: '.debug_aranges',
};

const SHF_COMPRESSED = 0x800n;
const ELFCOMPRESS_ZLIB = 1;

export function dwarfSections(elf: ElfFile): DwarfSections {
  const out: DwarfSections = {};
  for (const key of Object.keys(NAMES) as (keyof DwarfSections)[]) {
    const s = elf.sections.find((x) => x.name === NAMES[key]);
    if (!s) continue;
    let bytes = elf.bytes(s.offset, s.size);
    if (s.flags & SHF_COMPRESSED) {
      if (bytes.length < 24) throw new DwarfError(`${s.name}: compressed section shorter than its header`);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const type = dv.getUint32(0, true);
      if (type !== ELFCOMPRESS_ZLIB) throw new DwarfError(`${s.name}: unsupported compression type ${type}`);
      const size = Number(dv.getBigUint64(8, true));
      try {
        bytes = unzlibSync(bytes.subarray(24), { out: new Uint8Array(size) });
      } catch (e) {
        throw new DwarfError(`${s.name}: corrupt compressed data (${(e as Error).message})`);
      }
    }
    out[key] = bytes;
  }
  return out;
}
