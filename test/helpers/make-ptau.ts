/** Background maker of the test ptau (test/helpers/ptau.ts prewarmTestPtau): `make-ptau.ts <power>`. */
import { exitAfter } from "./background";
import { makeTestPtau } from "./ptau";

exitAfter(() => makeTestPtau(Number(process.argv[2])));
