package dev.rill.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RemoteModelBuilderTest {

    @Test
    void theBaseUrlIsTheServersRootWithOrWithoutV1() {
        try (RemoteModel model = RemoteModel.builder().baseUrl("http://127.0.0.1:8080/v1/").build()) {
            assertEquals("http://127.0.0.1:8080", model.baseUrl().toString());
        }
        assertThrows(IllegalArgumentException.class, () -> RemoteModel.builder().baseUrl("ftp://host"));
        assertThrows(IllegalArgumentException.class, () -> RemoteModel.builder().baseUrl("http://host/api"));
        assertThrows(IllegalArgumentException.class, () -> RemoteModel.builder().baseUrl("not a url"));
        assertThrows(IllegalStateException.class, () -> RemoteModel.builder().build());
    }

    @Test
    void everyOptionIsCheckedWhenSetAndMayBeSetOnce() {
        RemoteModel.Builder b = RemoteModel.builder();
        assertThrows(IllegalArgumentException.class, () -> b.connectTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.idleTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> b.retries(11));
        assertThrows(IllegalArgumentException.class, () -> b.apiKey(" "));
        assertThrows(IllegalArgumentException.class, () -> b.adapter("a:b"));
        assertThrows(IllegalArgumentException.class, () -> b.lora(-1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> b.lora("x", Double.NaN));
        b.model("m");
        assertThrows(IllegalStateException.class, () -> b.model("n"));
        b.lora("x", 0.5);
        assertThrows(IllegalStateException.class, () -> b.lora("x", 1.0));
        assertThrows(IllegalStateException.class, () -> RemoteModel.builder().baseUrl("http://h:1").adapter("a")
                .build());
    }
}
