// zigbee-herdsman on a serial port, as Zigbee2MQTT starts it: form a network, permit joining,
// and wait until `expected` devices have joined and been interviewed. One JSON line per event
// on stdout; exit 0 when done, 1 on an error or after `timeout` seconds.
//
//   node drive.js ADAPTER PORT DIRECTORY EXPECTED TIMEOUT      (ADAPTER: ember or ezsp)
"use strict";
const {Controller} = require("zigbee-herdsman");

const [adapter, port, directory, expected, timeout] = process.argv.slice(2);
const say = (event, fields = {}) => console.log(JSON.stringify({event, ...fields}));

async function main() {
    const controller = new Controller({
        network: {panID: 0x1a62, extendedPanID: [0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd], channelList: [11],
                  networkKey: [1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6, 8, 10, 12, 13]},
        // the emulated radio is a pty: no hardware flow control, as with most USB sticks
        serialPort: {path: port, adapter, baudRate: 115200, rtscts: false},
        databasePath: `${directory}/database.db`,
        databaseBackupPath: `${directory}/database.db.backup`,
        backupPath: `${directory}/coordinator_backup.json`,
        adapter: {disableLED: false},
        acceptJoiningDeviceHandler: async () => true,
    });
    const interviewed = new Set();
    const allInterviewed = new Promise((resolve) => {
        controller.on("deviceInterview", ({status, device}) => {
            say("interview", {status, ieee: device.ieeeAddr, model: device.modelID ?? null,
                              manufacturer: device.manufacturerName ?? null,
                              endpoints: device.endpoints.map((e) => ({id: e.ID, profile: e.profileID,
                                                                       inputs: e.inputClusters}))});
            if (status === "successful") interviewed.add(device.ieeeAddr);
            if (interviewed.size >= Number(expected)) resolve();
        });
    });
    controller.on("deviceJoined", ({device}) => say("joined", {ieee: device.ieeeAddr}));
    const result = await controller.start();
    say("started", {result, coordinator: await controller.getCoordinatorVersion()});
    await controller.permitJoin(254);
    say("permit_join");
    let timer;
    const timedOut = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not all interviewed within ${timeout} s`)), Number(timeout) * 1000);
    });
    await Promise.race([allInterviewed, timedOut]);
    clearTimeout(timer);
    await controller.permitJoin(0);
    await controller.stop();
    say("stopped");
}

main().then(() => process.exit(0), (error) => {
    say("error", {message: String((error && error.stack) || error)});
    process.exit(1);
});
