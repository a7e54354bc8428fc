/** Background maker of the test ptau (test/helpers/ptau.ts prewarmTestPtau): `make-ptau.ts <power>`. */
import { makeTestPtau } from "./ptau";
import { releaseCurve } from "./snarkjs";

makeTestPtau(Number(process.argv[2]))
  .then(releaseCurve)
  .then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
